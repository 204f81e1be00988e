import { useState, type FormEvent } from 'react';
import { patchObject } from '../../../api/objects.js';
import { replicasOf } from '../../../commands/scaleWorkload.js';
import { Dialog } from '../../../components/Dialog.js';
import { useServices } from '../../../store/context.js';
import type { ObjectRef } from '../../../store/resourcesSlice.js';
import { useObject } from '../useObject.js';
import { ErrorBox } from './ErrorBox.js';
import { useAction } from './useAction.js';

/** The problem with a typed replica count, in the form's words; undefined when it is valid. */
export function replicasProblem(text: string): string | undefined {
  if (text.trim() === '') return 'Replicas: enter a number';
  if (!/^\d+$/.test(text.trim())) return 'Replicas: must be a whole number, 0 or more';
  if (Number(text) > 10_000) return 'Replicas: at most 10000';
  return undefined;
}

/** Scale a workload through its `/scale` subresource, showing the count it has now. */
export function ScaleDialog({ objRef, onClose }: { objRef: ObjectRef; onClose(): void }) {
  const { api, store } = useServices();
  const { object } = useObject(objRef);
  const current = object ? replicasOf(object) : undefined;
  const [text, setText] = useState<string | undefined>(undefined);
  const value = text ?? (current !== undefined ? String(current) : '');
  const action = useAction();
  const problem = replicasProblem(value);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (problem) return action.setError({ message: problem, causes: [] });
    const ok = await action.run(async () => {
      await patchObject(api, objRef, 'merge', { spec: { replicas: Number(value) } }, { subresource: 'scale' });
    });
    if (ok) {
      store.getState().notify({ kind: 'info', text: `${objRef.kind} ${objRef.name} scaled to ${Number(value)}` });
      store.getState().refresh();
      onClose();
    }
  };
  return (
    <Dialog title={`Scale ${objRef.kind} ${objRef.name}`} onClose={onClose} testId="scale-dialog">
      <form className="form" onSubmit={submit} noValidate>
        <p className="muted">
          Now: <b data-testid="scale-current">{current ?? '…'}</b> replicas
          {object && typeof (object.status as { readyReplicas?: number } | undefined)?.readyReplicas === 'number' ? `, ${(object.status as { readyReplicas: number }).readyReplicas} ready` : ''}.
        </p>
        <label className={`field${problem && text !== undefined ? ' invalid' : ''}`}>
          Replicas
          <input autoFocus inputMode="numeric" value={value} onChange={(e) => setText(e.target.value)} aria-invalid={problem !== undefined} data-testid="scale-input" />
        </label>
        {problem && text !== undefined && <div className="error-text small" data-testid="scale-problem">{problem}</div>}
        <ErrorBox error={action.error} />
        <div className="dialog-foot">
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" disabled={action.busy || problem !== undefined} data-testid="scale-submit">
            {action.busy ? 'Scaling…' : 'Scale'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
