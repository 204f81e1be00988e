import { evictPod, deleteObject } from '../../../api/objects.js';
import { Dialog } from '../../../components/Dialog.js';
import { useServices } from '../../../store/context.js';
import type { ObjectRef } from '../../../store/resourcesSlice.js';
import { useObject } from '../useObject.js';
import { ErrorBox } from './ErrorBox.js';
import { NO_EVICTION, useEvictionServed } from './eviction.js';
import { useAction } from './useAction.js';

/**
 * Evicts one pod through the Eviction API (a disruption budget may refuse: 429, shown as such).
 * Where the server does not serve eviction, it says so and offers a plain delete instead.
 */
export function EvictDialog({ objRef, onClose }: { objRef: ObjectRef; onClose(): void }) {
  const { api, store } = useServices();
  const { object } = useObject(objRef);
  const { served } = useEvictionServed();
  const action = useAction();
  const controller = object?.metadata.ownerReferences?.find((o) => o.controller);
  const go = async (how: 'evict' | 'delete') => {
    const ok = await action.run(() => (how === 'evict' ? evictPod(api, objRef.namespace ?? 'default', objRef.name) : deleteObject(api, objRef)));
    if (ok) {
      store.getState().notify({ kind: 'info', text: `Pod ${objRef.name} ${how === 'evict' ? 'evicted' : 'deleted'}` });
      onClose();
    }
  };
  return (
    <Dialog title={`Evict pod ${objRef.name}?`} onClose={onClose} testId="evict-dialog">
      <div className="form">
        <p className="muted">{controller ? `Its controller ${controller.kind} ${controller.name} will start a replacement.` : 'No controller owns it: it will not come back.'}</p>
        {!served && (
          <p className="warning-text small" data-testid="evict-unsupported">
            {NO_EVICTION}
          </p>
        )}
        {action.error?.code === 429 && <p className="warning-text small">A PodDisruptionBudget does not allow this eviction now; try again later.</p>}
        <ErrorBox error={action.error} />
        <div className="dialog-foot">
          <button type="button" className="btn btn-ghost" onClick={onClose} autoFocus>
            Cancel
          </button>
          {served ? (
            <button type="button" className="btn btn-danger" disabled={action.busy} onClick={() => void go('evict')} data-testid="evict-confirm">
              Evict
            </button>
          ) : (
            <button type="button" className="btn btn-danger" disabled={action.busy} onClick={() => void go('delete')} data-testid="evict-delete-instead">
              Delete pod instead
            </button>
          )}
        </div>
      </div>
    </Dialog>
  );
}
