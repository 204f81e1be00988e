import { useEffect, useMemo, useRef, useState } from 'react';
import { drainBlockers, drainPlan, runDrain, type DrainClass, type PodProgress } from '../../../api/drain.js';
import { realSleeper } from '../../../api/watch.js';
import { Dialog } from '../../../components/Dialog.js';
import { useApp, useServices } from '../../../store/context.js';
import { patchObject } from '../../../api/objects.js';
import { ErrorBox } from './ErrorBox.js';
import { NO_EVICTION, useEvictionServed } from './eviction.js';
import { useAction } from './useAction.js';

const CLASS_TEXT: Record<DrainClass, string> = {
  remove: '',
  daemonset: 'DaemonSet pod: stays (its controller ignores cordons)',
  mirror: 'static pod: stays (cannot be deleted through the API)',
  unmanaged: 'no controller: gone for good unless you allow it below',
  emptydir: 'emptyDir data is lost: allow it below',
};

const PROGRESS_TEXT: Record<PodProgress['state'], string> = {
  waiting: 'waiting',
  evicting: 'evicting…',
  blocked: 'blocked by a disruption budget, retrying',
  deleting: 'deleting…',
  terminating: 'terminating…',
  gone: 'gone',
  failed: 'failed',
};

/**
 * `kubectl drain` in a dialog: lists the node's pods and what happens to each, then cordons the
 * node and evicts (or, without the Eviction API, deletes) the pods, showing each one's progress.
 */
export function DrainDialog({ node, onClose }: { node: string; onClose(): void }) {
  const { api, store } = useServices();
  const pods = useApp((s) => s.cluster.pods);
  const { served } = useEvictionServed();
  const [force, setForce] = useState(false);
  const [emptyDir, setEmptyDir] = useState(false);
  const [progress, setProgress] = useState<Record<string, PodProgress> | null>(null);
  const [done, setDone] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const action = useAction();
  // The plan is fixed once the drain starts: pods leaving must not reshuffle the list.
  const livePlan = useMemo(() => drainPlan(Object.values(pods), node, { force, deleteEmptyDirData: emptyDir }), [pods, node, force, emptyDir]);
  const [frozen, setFrozen] = useState<typeof livePlan | null>(null);
  const plan = frozen ?? livePlan;
  const blockers = drainBlockers(plan);
  useEffect(() => () => abort.current?.abort(), []);

  const start = async () => {
    setFrozen(livePlan);
    const ctl = new AbortController();
    abort.current = ctl;
    await action.run(async () => {
      await patchObject(api, { group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false, name: node }, 'merge', { spec: { unschedulable: true } });
      setProgress({});
      await runDrain(api, livePlan, {
        mode: served ? 'evict' : 'delete',
        sleeper: realSleeper,
        signal: ctl.signal,
        onProgress: (key, p) => setProgress((cur) => ({ ...(cur ?? {}), [key]: p })),
      });
    });
    if (!ctl.signal.aborted) {
      setDone(true);
      store.getState().notify({ kind: 'info', text: `Node ${node} drained` });
    }
  };
  const running = progress !== null && !done;
  const removing = plan.filter((p) => p.removes).length;
  return (
    <Dialog title={`Drain node ${node}`} onClose={onClose} testId="drain-dialog" wide>
      <div className="form">
        <p className="muted">The node is cordoned (no new pods), then its pods are {served ? 'evicted, honouring PodDisruptionBudgets' : 'deleted'}; their controllers start replacements elsewhere.</p>
        {!served && (
          <p className="warning-text small" data-testid="drain-no-eviction">
            {NO_EVICTION}
          </p>
        )}
        <ul className="drain-list" data-testid="drain-pods">
          {plan.map((p) => {
            const key = `${p.namespace}/${p.name}`;
            const pr = progress?.[key];
            return (
              <li key={key} className={`drain-row${p.removes ? '' : ' is-kept'}`} data-testid={`drain-pod-${p.name}`} data-state={pr?.state ?? (p.removes ? 'planned' : 'kept')}>
                <span className="mono small">{key}</span>
                <span className="muted small">{pr ? PROGRESS_TEXT[pr.state] : p.classes.map((c) => CLASS_TEXT[c]).filter(Boolean).join('; ') || 'will be removed'}</span>
                {pr && 'message' in pr && <span className="error-text small">{pr.message}</span>}
              </li>
            );
          })}
          {plan.length === 0 && <li className="muted">No pods run on this node.</li>}
        </ul>
        {!progress && plan.some((p) => p.classes.includes('unmanaged')) && (
          <label className="check">
            <input type="checkbox" checked={force} onChange={(e) => setForce(e.target.checked)} data-testid="drain-force" /> Also delete pods no controller manages (kubectl's --force)
          </label>
        )}
        {!progress && plan.some((p) => p.classes.includes('emptydir')) && (
          <label className="check">
            <input type="checkbox" checked={emptyDir} onChange={(e) => setEmptyDir(e.target.checked)} data-testid="drain-emptydir" /> Also delete pods with emptyDir data (--delete-emptydir-data)
          </label>
        )}
        {!progress && blockers.length > 0 && (
          <div className="error-text small" data-testid="drain-blocked">
            {blockers.length} pod{blockers.length === 1 ? '' : 's'} cannot be removed with these choices: the drain would stop, as kubectl's does.
          </div>
        )}
        {done && <div className="success-text" data-testid="drain-done">Drained: {removing} pod{removing === 1 ? '' : 's'} removed. Uncordon the node to use it again.</div>}
        <ErrorBox error={action.error} />
        <div className="dialog-foot">
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            {running ? 'Stop' : done ? 'Close' : 'Cancel'}
          </button>
          {!done && (
            <button type="button" className="btn btn-danger" disabled={running || action.busy || blockers.length > 0} onClick={() => void start()} data-testid="drain-confirm">
              {running ? 'Draining…' : `Drain ${node}`}
            </button>
          )}
        </div>
      </div>
    </Dialog>
  );
}
