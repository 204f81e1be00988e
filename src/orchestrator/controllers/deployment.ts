import { objectKey } from '../api/resources.js';
import { fromLabelSelector, selectorMatches } from '../api/selectors.js';
import type { Deployment, Pod, ReplicaSet } from '../api/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { DeploymentSync } from './deploymentrollout.js';
import { calculateStatus, deploymentComplete, pausedCondition, updateProgress } from './deploymentstatus.js';
import { isRollingUpdate, maxSurge, maxUnavailable } from './deploymentutil.js';
import { claim } from './ownership.js';
import { changedBeyondStatus, controllerRef, deepEqual } from '../api/podutil.js';
import { InvalidSpec, runLoop, type ControllerLoop } from '../client/runner.js';

const COMPONENT = 'deployment-controller';

/**
 * Deployment -> ReplicaSets (Kubernetes' deployment controller): one ReplicaSet per distinct pod
 * template, named `<deployment>-<pod-template-hash>`, with revision annotations; RollingUpdate within
 * maxSurge/maxUnavailable or Recreate; proportional scaling; pause; history cleanup; status with
 * Available and Progressing conditions. Rollback is kubectl's (it patches the template back, and
 * the matching old ReplicaSet becomes the new one with the next revision).
 */
export function startDeploymentController(ctx: ControllerContext): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const recorder = ctx.recorder(COMPONENT);
  const dInf = informers.get<Deployment>('deployments');
  const rsInf = informers.get<ReplicaSet>('replicasets');
  const podInf = informers.get<Pod>('pods');
  const deps = { client, clock, recorder, pods: (ns: string | undefined) => podInf.byIndex('namespace', ns ?? '') };

  const reconcile = async (key: string): Promise<void> => {
    const d = dInf.get(key);
    if (!d) return;
    checkSpec(d);
    const ns = d.metadata.namespace;
    const candidates = rsInf.byIndex('namespace', ns ?? '');
    const rsList = await claim({ client, log, resource: 'replicasets', owner: d, ownerResource: 'deployments', candidates, selects: (rs) => selectorMatches(d.spec.selector, rs.metadata.labels) });
    const sync = new DeploymentSync(deps, d, rsList);
    if (d.metadata.deletionTimestamp) return writeStatus(key, d, sync, false);
    if (d.spec.paused || sync.isScalingEvent()) {
      await sync.scale();
      if (d.spec.paused) await sync.cleanup();
      return writeStatus(key, d, sync, false);
    }
    const moved = isRollingUpdate(d) ? await sync.rolling() : await sync.recreate();
    // Judge completeness on the status about to be written: our own status write does not requeue us.
    if (!moved && deploymentComplete(d, calculateStatus(sync.all, sync.newRS, sync.d, clock.now()))) await sync.cleanup();
    await writeStatus(key, d, sync, true);
  };

  /** Invalid spec: say why on the Deployment, then wait for it to change. */
  const checkSpec = (d: Deployment): void => {
    let problem: [string, string] | undefined;
    if (fromLabelSelector(d.spec.selector).length === 0) {
      problem = ['SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.'];
    } else if (!selectorMatches(d.spec.selector, d.spec.template?.metadata?.labels)) {
      problem = ['InvalidSelector', '`selector` does not match template `labels`'];
    } else {
      try {
        maxSurge(d);
        maxUnavailable(d);
      } catch (e) {
        problem = ['InvalidStrategy', `spec.strategy.rollingUpdate: ${(e as Error).message}`];
      }
    }
    if (problem) {
      recorder.record(d, 'Warning', problem[0], problem[1]);
      throw new InvalidSpec(problem[1]);
    }
  };

  const writeStatus = async (key: string, original: Deployment, sync: DeploymentSync, rollout: boolean): Promise<void> => {
    const now = clock.now();
    const d = sync.d;
    const status = calculateStatus(sync.all, sync.newRS, d, now);
    pausedCondition(d, status, now);
    const recheck = rollout && !d.spec.paused ? updateProgress(d, status, sync.newRS, now) : undefined;
    if (!deepEqual(status, original.status ?? {})) {
      await client.patch('deployments', d.metadata.namespace, d.metadata.name ?? '', 'merge', { status }, { subresource: 'status' });
    }
    if (recheck !== undefined) loop.enqueueAfter(key, recheck);
  };

  const loop = runLoop(COMPONENT, reconcile, { clock, log, ready: informers.waitForSync(['deployments', 'replicasets', 'pods']) });

  const keyOf = (o: { metadata: { namespace?: string; name?: string } }) => objectKey(o.metadata.namespace, o.metadata.name ?? '');
  /** The deployments an RS's events concern: its controller, or (an orphan) those that would adopt it. */
  const ownersOf = (rs: ReplicaSet): string[] => {
    const ref = controllerRef(rs);
    const ns = rs.metadata.namespace;
    if (ref) return ref.kind === 'Deployment' ? [objectKey(ns, ref.name)] : [];
    return dInf.byIndex('namespace', ns ?? '').filter((d) => selectorMatches(d.spec.selector, rs.metadata.labels)).map(keyOf);
  };
  dInf.addHandlers({
    onAdd: (d) => loop.enqueue(keyOf(d)),
    onUpdate: (old, d) => {
      if (changedBeyondStatus(old, d)) loop.enqueue(keyOf(d));
    },
    onDelete: (d) => loop.enqueue(keyOf(d)),
  });
  rsInf.addHandlers({
    onAdd: (rs) => ownersOf(rs).forEach((k) => loop.enqueue(k)),
    onUpdate: (old, rs) => new Set([...ownersOf(old), ...ownersOf(rs)]).forEach((k) => loop.enqueue(k)),
    onDelete: (rs) => ownersOf(rs).forEach((k) => loop.enqueue(k)),
  });
  // Recreate waits for the old pods to be gone; their deletion is what lets it continue.
  const podGone = (pod: Pod) => {
    const rsRef = controllerRef(pod);
    if (rsRef?.kind !== 'ReplicaSet') return;
    const rs = rsInf.get(objectKey(pod.metadata.namespace, rsRef.name));
    const dRef = rs && controllerRef(rs);
    if (dRef?.kind !== 'Deployment') return;
    const d = dInf.get(objectKey(pod.metadata.namespace, dRef.name));
    if (d && !isRollingUpdate(d)) loop.enqueue(keyOf(d));
  };
  podInf.addHandlers({
    onUpdate: (old, pod) => {
      if (old.status?.phase !== pod.status?.phase) podGone(pod);
    },
    onDelete: podGone,
  });
  return loop;
}
