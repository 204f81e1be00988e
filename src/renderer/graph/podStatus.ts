import type { Node, Pod } from '../../orchestrator/api/types.js';

/** The colour class of a pod on the canvas. */
export type PodTone = 'running' | 'pending' | 'failed' | 'terminating' | 'succeeded' | 'unknown';

/** Waiting reasons that mean the pod is broken, not merely starting. */
const FAILING_REASONS = new Set([
  'CrashLoopBackOff',
  'ErrImagePull',
  'ImagePullBackOff',
  'InvalidImageName',
  'CreateContainerError',
  'CreateContainerConfigError',
  'RunContainerError',
  'ErrImageNeverPull',
]);

/** True for a container waiting reason that means it is broken (crash loop, image pull failure...). */
export function isFailingReason(reason: string | undefined): boolean {
  return reason !== undefined && FAILING_REASONS.has(reason);
}

export interface PodDisplay {
  tone: PodTone;
  /** What `kubectl get pods` prints in STATUS: Running, ContainerCreating, CrashLoopBackOff, Terminating, Completed... */
  status: string;
  /** `ready/total` containers. */
  ready: string;
  restarts: number;
}

/** How a pod looks: its colour and a kubectl-like status word. */
export function podDisplay(pod: Pod): PodDisplay {
  const statuses = pod.status?.containerStatuses ?? [];
  const total = pod.spec?.containers?.length ?? statuses.length;
  let readyCount = 0;
  let restarts = 0;
  let waiting: string | undefined;
  let terminated: string | undefined;
  for (const c of statuses) {
    if (c.ready) readyCount++;
    restarts += c.restartCount ?? 0;
    const w = c.state?.waiting?.reason;
    if (w && (!waiting || FAILING_REASONS.has(w))) waiting = w;
    const t = c.state?.terminated;
    if (t && !terminated) terminated = t.reason ?? (t.exitCode === 0 ? 'Completed' : 'Error');
  }
  const ready = `${readyCount}/${total}`;
  const phase = pod.status?.phase ?? 'Pending';
  const base = { ready, restarts };
  if (pod.metadata.deletionTimestamp) return { ...base, tone: 'terminating', status: 'Terminating' };
  if (phase === 'Succeeded') return { ...base, tone: 'succeeded', status: 'Completed' };
  if (phase === 'Failed') return { ...base, tone: 'failed', status: pod.status?.reason ?? 'Failed' };
  if (waiting && FAILING_REASONS.has(waiting)) return { ...base, tone: 'failed', status: waiting };
  if (phase === 'Unknown') return { ...base, tone: 'unknown', status: 'Unknown' };
  if (phase === 'Running') {
    if (terminated && terminated !== 'Completed') return { ...base, tone: 'failed', status: terminated };
    return { ...base, tone: 'running', status: 'Running' };
  }
  if (!pod.spec?.nodeName) return { ...base, tone: 'pending', status: 'Pending' };
  return { ...base, tone: 'pending', status: waiting ?? 'ContainerCreating' };
}

export type NodeReadiness = 'Ready' | 'NotReady' | 'Unknown';

/** `Ready` condition True -> Ready; False or Unknown -> NotReady; no condition yet -> Unknown. */
export function nodeReadiness(node: Node | undefined): NodeReadiness {
  const c = node?.status?.conditions?.find((x) => x.type === 'Ready');
  if (!c) return 'Unknown';
  return c.status === 'True' ? 'Ready' : 'NotReady';
}
