import { useMemo, useState } from 'react';
import { countByKind, dependentsOf } from '../../../api/cascade.js';
import { deleteObject, type Propagation } from '../../../api/objects.js';
import { Dialog } from '../../../components/Dialog.js';
import { useApp, useServices } from '../../../store/context.js';
import type { ObjectRef } from '../../../store/resourcesSlice.js';
import { refLabel } from '../open.js';
import { useObject } from '../useObject.js';
import { ErrorBox } from './ErrorBox.js';
import { useAction } from './useAction.js';

/**
 * Confirms a delete, naming what goes with it: the objects that name it as owner (deleted too by
 * the garbage collector, unless kept with "orphan"), everything in a namespace, or whether a
 * controller replaces a pod.
 */
export function DeleteDialog({ objRef, onClose }: { objRef: ObjectRef; onClose(): void }) {
  const { api, store } = useServices();
  const { object } = useObject(objRef);
  const cluster = useApp((s) => s.cluster);
  const dependents = useMemo(() => (object ? dependentsOf(object, cluster) : []), [object, cluster]);
  const [propagation, setPropagation] = useState<Propagation>('Background');
  const action = useAction();
  const controller = object?.metadata.ownerReferences?.find((o) => o.controller);

  const confirm = async () => {
    const ok = await action.run(() => deleteObject(api, objRef, objRef.kind === 'Namespace' ? 'Background' : propagation));
    if (ok) {
      store.getState().notify({ kind: 'info', text: `${refLabel(objRef)} deleted` });
      const sel = store.getState().selection;
      if (sel && (sel.type === 'object' ? sel.ref.name === objRef.name && sel.ref.kind === objRef.kind : true)) store.getState().select(null);
      onClose();
    }
  };
  return (
    <Dialog title={`Delete ${objRef.kind} ${objRef.name}?`} onClose={onClose} testId="delete-dialog">
      <div className="form">
        <p>
          <b>{refLabel(objRef)}</b> will be deleted.
        </p>
        {objRef.kind === 'Pod' && (
          <p className="muted" data-testid="delete-consequence">
            {controller ? `Its controller ${controller.kind} ${controller.name} will create a replacement.` : 'No controller owns it: it will not come back.'}
          </p>
        )}
        {objRef.kind === 'Host' && (
          <p className="warning-text" data-testid="delete-consequence">
            Skiff stops its agent and removes the containers it runs; its node and that node's pods go too (controllers start replacements elsewhere).
          </p>
        )}
        {objRef.kind === 'Namespace' && (
          <p className="warning-text" data-testid="delete-consequence">
            Everything in namespace {objRef.name} goes with it{dependents.length > 0 ? `, including ${countByKind(dependents)}` : ''}.
          </p>
        )}
        {objRef.kind !== 'Namespace' && dependents.length > 0 && (
          <div data-testid="delete-consequence">
            <p className="warning-text">
              It owns {countByKind(dependents)}:
            </p>
            <ul className="plain-list mono small delete-list">
              {dependents.slice(0, 12).map((d) => (
                <li key={`${d.kind}/${d.metadata.name}`}>
                  {d.kind}/{d.metadata.name}
                </li>
              ))}
              {dependents.length > 12 && <li className="muted">and {dependents.length - 12} more</li>}
            </ul>
            <fieldset className="radio-group">
              <legend className="sr-only">What happens to them</legend>
              <label className="check">
                <input type="radio" name="propagation" checked={propagation === 'Background'} onChange={() => setPropagation('Background')} data-testid="delete-cascade" /> Delete them too
              </label>
              <label className="check">
                <input type="radio" name="propagation" checked={propagation === 'Orphan'} onChange={() => setPropagation('Orphan')} data-testid="delete-orphan" /> Keep them (orphan)
              </label>
            </fieldset>
          </div>
        )}
        <ErrorBox error={action.error} />
        <div className="dialog-foot">
          <button type="button" className="btn btn-ghost" onClick={onClose} autoFocus>
            Cancel
          </button>
          <button type="button" className="btn btn-danger" disabled={action.busy || !object} onClick={() => void confirm()} data-testid="delete-confirm">
            {action.busy ? 'Deleting…' : `Delete ${objRef.kind.toLowerCase()}`}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
