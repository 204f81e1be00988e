import { useMemo, useState } from 'react';
import type { Deployment } from '../../../../orchestrator/api/types.js';
import { stable } from '../../../api/compare.js';
import { patchObject } from '../../../api/objects.js';
import { revisionsOf, rollbackPatch, templateWithoutHash } from '../../../api/rollout.js';
import { DiffView } from '../../../components/DiffView.js';
import { Dialog } from '../../../components/Dialog.js';
import { age } from '../../../components/time.js';
import { useApp, useServices } from '../../../store/context.js';
import type { ObjectRef } from '../../../store/resourcesSlice.js';
import { diffText, toYaml } from '../../yaml/diff.js';
import { ErrorBox } from './ErrorBox.js';
import { useAction } from './useAction.js';

/** A Deployment's revisions (its ReplicaSets); the diff from the running template to the chosen one; roll back. */
export function RollbackDialog({ objRef, onClose }: { objRef: ObjectRef; onClose(): void }) {
  const { api, store } = useServices();
  const key = `${objRef.namespace}/${objRef.name}`;
  const deploy = useApp((s) => s.cluster.deployments[key]) as Deployment | undefined;
  const replicaSets = useApp((s) => s.cluster.replicasets);
  const revisions = useMemo(() => (deploy ? revisionsOf(deploy, Object.values(replicaSets)) : []), [deploy, replicaSets]);
  const [picked, setPicked] = useState<number | undefined>(undefined);
  const choice = revisions.find((r) => r.revision === picked) ?? revisions.find((r) => !r.current);
  const action = useAction();
  const hunks = useMemo(() => (deploy && choice ? diffText(toYaml(templateWithoutHash(deploy.spec.template)), toYaml(choice.template)) : []), [deploy, choice]);
  const same = deploy && choice ? stable(templateWithoutHash(deploy.spec.template)) === stable(choice.template) : false;

  const rollback = async () => {
    if (!deploy || !choice) return;
    const ok = await action.run(async () => {
      await patchObject(api, objRef, 'json', rollbackPatch(deploy, choice.rs));
    });
    if (ok) {
      store.getState().notify({ kind: 'info', text: `Deployment ${objRef.name} rolled back to revision ${choice.revision}` });
      onClose();
    }
  };
  return (
    <Dialog title={`Roll back Deployment ${objRef.name}`} onClose={onClose} testId="rollback-dialog" wide>
      <div className="form">
        {revisions.length === 0 && <p className="muted">No revisions recorded yet.</p>}
        <ul className="revisions" role="listbox" aria-label="Revisions" data-testid="revisions">
          {revisions.map((r) => (
            <li key={r.revision}>
              <label className={`revision${choice?.revision === r.revision ? ' is-chosen' : ''}`}>
                <input type="radio" name="revision" checked={choice?.revision === r.revision} onChange={() => setPicked(r.revision)} data-testid={`revision-${r.revision}`} />
                <b>Revision {r.revision}</b>
                {r.current && <span className="badge badge-muted">running</span>}
                <span className="muted small mono">{r.template.spec.containers.map((c) => c.image).join(', ')}</span>
                <span className="muted small">
                  {r.rs.metadata.name} · {age(r.rs.metadata.creationTimestamp, Date.now())}
                </span>
              </label>
            </li>
          ))}
        </ul>
        {choice && (
          <>
            <h3>Changes from the running template to revision {choice.revision}</h3>
            <DiffView hunks={hunks} testId="rollback-diff" empty="Same template as the one running: nothing to roll back." />
          </>
        )}
        <ErrorBox error={action.error} />
        <div className="dialog-foot">
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="button" className="btn btn-primary" disabled={action.busy || !choice || same} onClick={() => void rollback()} data-testid="rollback-confirm">
            {choice ? `Roll back to revision ${choice.revision}` : 'Roll back'}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
