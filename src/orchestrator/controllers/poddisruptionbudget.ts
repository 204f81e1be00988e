import { isNotFound } from '../api/errors.js';
import { DISRUPTED_POD_TIMEOUT_MS, disruptionAllowedCondition, type PodDisruptionBudget } from '../api/policy.js';
import { controllerRef, deepEqual, isPodReady, setCondition } from '../api/podutil.js';
import { objectKey, RESOURCES } from '../api/resources.js';
import { selectorMatches } from '../api/selectors.js';
import type { KubeObject, Pod } from '../api/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';
import { RequeueAfter } from '../client/WorkQueue.js';
import { isoTime } from '../util/clock.js';
import { resolveIntOrPercent } from './deploymentutil.js';

const COMPONENT = 'controllermanager';

type Scalable = KubeObject & { spec?: { replicas?: number } };

/** Where a pod's controller is found and how its scale is read (upstream's finders). */
const SCALABLE: Record<string, string> = { 'apps/ReplicaSet': 'replicasets', 'apps/Deployment': 'deployments', 'apps/StatefulSet': 'statefulsets', '/ReplicationController': 'replicationcontrollers' };

/**
 * The disruption controller (status of PodDisruptionBudgets), as kube-controller-manager's: for each
 * budget, the pods its selector matches (a missing selector matches none), the healthy ones (Ready,
 * not terminating, not just evicted), the expected count (the pods' number for an integer
 * `minAvailable`, else the sum of the scale of their controllers, a ReplicaSet counting as its
 * Deployment), and from those `desiredHealthy`, `disruptionsAllowed` and the DisruptionAllowed
 * condition. Evictions recorded in `disruptedPods` stop counting once the pod is gone or after 2 min.
 */
export function startDisruptionController(ctx: ControllerContext): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: 'disruption' });
  const recorder = ctx.recorder(COMPONENT);
  const pdbInf = informers.get<PodDisruptionBudget>('poddisruptionbudgets');
  const podInf = informers.get<Pod>('pods');

  const reconcile = async (key: string): Promise<void> => {
    const pdb = pdbInf.get(key);
    if (!pdb) return;
    const now = clock.now();
    const ns = pdb.metadata.namespace as string;
    const selector = pdb.spec.selector;
    const pods = selector ? podInf.byIndex('namespace', ns).filter((p) => selectorMatches(selector, p.metadata.labels)) : [];
    let expected = 0;
    let desired = 0;
    let failure: string | undefined;
    try {
      if (pdb.spec.maxUnavailable !== undefined) {
        expected = await expectedScale(pods);
        desired = Math.max(0, expected - resolveIntOrPercent(pdb.spec.maxUnavailable, expected, '0', true));
      } else if (pdb.spec.minAvailable !== undefined) {
        if (typeof pdb.spec.minAvailable === 'number') {
          expected = pods.length;
          desired = pdb.spec.minAvailable;
        } else {
          expected = await expectedScale(pods);
          desired = resolveIntOrPercent(pdb.spec.minAvailable, expected, '0', true);
        }
      }
    } catch (e) {
      if (!(e instanceof ScaleError)) throw e;
      failure = e.message;
    }
    // Evictions admitted by the API: a pod still present counts as disrupted for 2 minutes.
    const disrupted: Record<string, string> = {};
    let recheck: number | undefined;
    for (const [name, at] of Object.entries(pdb.status?.disruptedPods ?? {})) {
      const pod = pods.find((p) => p.metadata.name === name);
      if (!pod || pod.metadata.deletionTimestamp) continue;
      const expires = Date.parse(at) + DISRUPTED_POD_TIMEOUT_MS;
      if (!(expires > now)) {
        log.info('eviction not confirmed in time; pod counts as healthy again', { pdb: key, pod: name });
        continue;
      }
      disrupted[name] = at;
      recheck = Math.min(recheck ?? Infinity, expires - now);
    }
    const healthy = pods.filter((p) => !p.metadata.deletionTimestamp && isPodReady(p) && !(p.metadata.name as string in disrupted)).length;
    const allowed = failure || expected <= 0 ? 0 : Math.max(0, healthy - desired);
    const iso = isoTime(now);
    let conditions = setCondition(pdb.status?.conditions, { ...disruptionAllowedCondition(allowed), ...(failure ? { reason: 'SyncFailed', message: failure } : {}) }, iso);
    if (deepEqual(conditions, pdb.status?.conditions ?? [])) conditions = pdb.status?.conditions ?? conditions;
    const status: NonNullable<PodDisruptionBudget['status']> = {
      observedGeneration: pdb.metadata.generation,
      ...(Object.keys(disrupted).length ? { disruptedPods: disrupted } : {}),
      disruptionsAllowed: allowed,
      currentHealthy: healthy,
      desiredHealthy: desired,
      expectedPods: expected,
      conditions,
    };
    if (failure) recorder.record(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${failure}`);
    if (!deepEqual(pdb.status ?? {}, status)) await client.updateStatus('poddisruptionbudgets', { ...pdb, status });
    if (recheck !== undefined) throw new RequeueAfter(recheck + 1);
  };

  class ScaleError extends Error {}

  /** Sum of the scale of the pods' controllers, each counted once. */
  async function expectedScale(pods: Pod[]): Promise<number> {
    const seen = new Map<string, number>();
    for (const pod of pods) {
      let ref = controllerRef(pod);
      if (!ref) continue; // upstream ignores unmanaged pods for percentages (UnmanagedPods)
      let ns = pod.metadata.namespace as string;
      let owner: Scalable | undefined;
      for (let depth = 0; ref && depth < 2; depth++) {
        const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
        const resource = SCALABLE[`${group}/${ref.kind}`];
        if (!resource || !RESOURCES.some((r) => r.resource === resource)) throw new ScaleError(`found no controllers for pod "${pod.metadata.name}"`);
        if (seen.has(ref.uid)) {
          owner = undefined;
          break;
        }
        try {
          owner = await client.get<Scalable>(resource, ns, ref.name);
        } catch (e) {
          if (isNotFound(e)) throw new ScaleError(`${ref.kind.toLowerCase()}s "${ref.name}" not found`);
          throw e;
        }
        // A ReplicaSet owned by a Deployment scales with it.
        const up = controllerRef(owner);
        if (ref.kind === 'ReplicaSet' && up?.kind === 'Deployment') {
          ref = up;
          ns = owner.metadata.namespace as string;
          continue;
        }
        break;
      }
      if (owner?.metadata.uid && !seen.has(owner.metadata.uid)) seen.set(owner.metadata.uid, owner.spec?.replicas ?? 1);
    }
    return [...seen.values()].reduce((a, b) => a + b, 0);
  }

  const loop = runLoop('disruption', reconcile, { clock, log, ready: informers.waitForSync(['poddisruptionbudgets', 'pods']) });
  const keyOf = (o: KubeObject) => objectKey(o.metadata.namespace, o.metadata.name ?? '');
  const budgetsFor = (pod: Pod) => pdbInf.byIndex('namespace', pod.metadata.namespace ?? '').filter((b) => b.spec.selector && selectorMatches(b.spec.selector, pod.metadata.labels));
  pdbInf.addHandlers({ onAdd: (b) => loop.enqueue(keyOf(b)), onUpdate: (_o, b) => loop.enqueue(keyOf(b)), onDelete: () => undefined });
  podInf.addHandlers({
    onAdd: (p) => budgetsFor(p).forEach((b) => loop.enqueue(keyOf(b))),
    onUpdate: (o, p) => new Set([...budgetsFor(o), ...budgetsFor(p)].map(keyOf)).forEach((k) => loop.enqueue(k)),
    onDelete: (p) => budgetsFor(p).forEach((b) => loop.enqueue(keyOf(b))),
  });
  return loop;
}
