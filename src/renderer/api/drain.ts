import type { Pod } from '../../orchestrator/api/types.js';
import type { KubeApi } from './client.js';
import { ApiRequestError, messageOf } from './errors.js';
import { isKubeObject } from './guards.js';
import { evictPod } from './objects.js';
import type { Sleeper } from './watch.js';

/** Why drain leaves a pod alone, or what it needs before it may remove it (kubectl drain's filters). */
export type DrainClass =
  | 'remove'
  /** Managed by a DaemonSet: its controller ignores cordons, so drain skips it (`--ignore-daemonsets`). */
  | 'daemonset'
  /** A static pod's mirror: cannot be deleted through the API. */
  | 'mirror'
  /** No controller would replace it: removed only with `force` (`--force`). */
  | 'unmanaged'
  /** Uses emptyDir, whose data goes with it: removed only with `deleteEmptyDirData`. */
  | 'emptydir';

export interface DrainOptions {
  force: boolean;
  deleteEmptyDirData: boolean;
}

export interface PlannedPod {
  pod: Pod;
  namespace: string;
  name: string;
  classes: DrainClass[];
  /** Whether this drain removes it (given the options). */
  removes: boolean;
}

const finished = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';

/** Classifies the pods on `node` as kubectl drain does; finished pods are always removable. */
export function drainPlan(pods: Iterable<Pod>, node: string, o: DrainOptions): PlannedPod[] {
  const out: PlannedPod[] = [];
  for (const pod of pods) {
    if (pod.spec?.nodeName !== node || pod.metadata.deletionTimestamp) continue;
    const classes: DrainClass[] = [];
    const controller = pod.metadata.ownerReferences?.find((r) => r.controller);
    if (pod.metadata.annotations?.['kubernetes.io/config.mirror'] !== undefined) classes.push('mirror');
    else if (controller?.kind === 'DaemonSet') classes.push('daemonset');
    else {
      if (!controller && !finished(pod)) classes.push('unmanaged');
      if ((Array.isArray(pod.spec.volumes) ? (pod.spec.volumes as unknown[]) : []).some((v) => typeof v === 'object' && v !== null && 'emptyDir' in v) && !finished(pod)) classes.push('emptydir');
    }
    const removes = !classes.includes('mirror') && !classes.includes('daemonset') && (!classes.includes('unmanaged') || o.force) && (!classes.includes('emptydir') || o.deleteEmptyDirData);
    if (classes.length === 0) classes.push('remove');
    out.push({ pod, namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name ?? '', classes, removes });
  }
  return out.sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`));
}

/** What blocks the drain with these options: pods that need `force` or `deleteEmptyDirData`. */
export function drainBlockers(plan: readonly PlannedPod[]): PlannedPod[] {
  return plan.filter((p) => !p.removes && !p.classes.includes('daemonset') && !p.classes.includes('mirror'));
}

export type PodProgress =
  | { state: 'waiting' }
  | { state: 'evicting' }
  /** A PodDisruptionBudget said not now (429): retried every few seconds, as kubectl does. */
  | { state: 'blocked'; message: string }
  | { state: 'deleting' }
  | { state: 'terminating' }
  | { state: 'gone' }
  | { state: 'failed'; message: string };

export interface DrainRun {
  /** `evict` when the server serves `pods/eviction`; otherwise kubectl drain deletes pods. */
  mode: 'evict' | 'delete';
  sleeper: Sleeper;
  signal: AbortSignal;
  onProgress(key: string, p: PodProgress): void;
  /** How long between retries after a 429, and between checks that a pod is gone. */
  retryMs?: number;
  pollMs?: number;
}

async function isGone(api: KubeApi, p: PlannedPod): Promise<boolean> {
  try {
    const body = await api.json('GET', `/api/v1/namespaces/${encodeURIComponent(p.namespace)}/pods/${encodeURIComponent(p.name)}`);
    return !isKubeObject(body) || body.metadata.uid !== p.pod.metadata.uid;
  } catch (e) {
    if (e instanceof ApiRequestError && e.code === 404) return true;
    throw e;
  }
}

/**
 * Removes the pods the plan removes, all at once as kubectl does: each is evicted (a 429 from a
 * disruption budget is retried until it passes) or, on a server without eviction, deleted; then
 * each is awaited until it is gone. Resolves when every pod is gone or failed; stops on abort.
 */
export async function runDrain(api: KubeApi, plan: readonly PlannedPod[], r: DrainRun): Promise<void> {
  const retry = r.retryMs ?? 5000;
  const poll = r.pollMs ?? 1000;
  const one = async (p: PlannedPod) => {
    const key = `${p.namespace}/${p.name}`;
    try {
      for (;;) {
        if (r.signal.aborted) return;
        r.onProgress(key, { state: r.mode === 'evict' ? 'evicting' : 'deleting' });
        try {
          if (r.mode === 'evict') await evictPod(api, p.namespace, p.name);
          else await api.send('DELETE', `/api/v1/namespaces/${encodeURIComponent(p.namespace)}/pods/${encodeURIComponent(p.name)}`, { body: { kind: 'DeleteOptions', apiVersion: 'v1' } });
          break;
        } catch (e) {
          if (e instanceof ApiRequestError && e.code === 404) break;
          if (!(r.mode === 'evict' && e instanceof ApiRequestError && e.code === 429)) throw e;
          r.onProgress(key, { state: 'blocked', message: e.message });
          await r.sleeper.sleep(retry, r.signal);
        }
      }
      r.onProgress(key, { state: 'terminating' });
      while (!r.signal.aborted && !(await isGone(api, p))) await r.sleeper.sleep(poll, r.signal);
      if (!r.signal.aborted) r.onProgress(key, { state: 'gone' });
    } catch (e) {
      r.onProgress(key, { state: 'failed', message: messageOf(e) });
    }
  };
  const removing = plan.filter((p) => p.removes);
  for (const p of removing) r.onProgress(`${p.namespace}/${p.name}`, { state: 'waiting' });
  await Promise.all(removing.map(one));
}
