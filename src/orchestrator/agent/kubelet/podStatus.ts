import type { Condition, ContainerState, ContainerStateWaiting, ContainerStatus, Pod, PodPhase, PodStatus } from '../../api/types.js';
import { isoTime } from '../../util/clock.js';
import { isTerminated, shouldRestart, terminatedOf, type Instance } from './containers.js';

export interface StatusInput {
  pod: Pod;
  /** The pod's instances per container name, newest first (`groupInstances`). */
  instances: Map<string, Instance[]>;
  /** Why a container is not running, decided by this sync (pull errors, back-off, create errors). */
  waiting: Map<string, ContainerStateWaiting>;
  hostIP: string;
  /** The network owner's IP when it runs; otherwise the last known pod IP is kept. */
  podIP?: string;
  now: number;
}

/**
 * The pod status the agent reports, computed from what runs on the engine, as the kubelet's
 * `generateAPIPodStatus` does. Pure. Fields the agent does not own (e.g. `nominatedNodeName`, the
 * scheduler's PodScheduled condition) are kept; timestamps only move when their state changes, so
 * a status computed twice from the same containers is identical (no needless writes).
 */
export function buildPodStatus(input: StatusInput): PodStatus {
  const { pod, now } = input;
  const old = pod.status ?? {};
  const containerStatuses = pod.spec.containers.map((c) => containerStatus(c.name, c.image, input));
  const phase = podPhase(pod, containerStatuses);
  const unready = containerStatuses.filter((s) => !s.ready).map((s) => s.name);
  const nowIso = isoTime(now);
  const ready: Omit<Condition, 'type'> =
    phase === 'Succeeded' || phase === 'Failed'
      ? { status: 'False', reason: 'PodCompleted' }
      : unready.length
        ? { status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` }
        : { status: 'True' };
  const conditions = [
    condition(old.conditions, { type: 'Initialized', status: 'True' }, nowIso),
    condition(old.conditions, { type: 'Ready', ...ready }, nowIso),
    condition(old.conditions, { type: 'ContainersReady', ...ready }, nowIso),
    old.conditions?.find((c) => c.type === 'PodScheduled') ?? condition(undefined, { type: 'PodScheduled', status: 'True' }, nowIso),
  ];
  const podIP = input.podIP ?? old.podIP;
  const status: PodStatus & Record<string, unknown> = {
    ...old,
    phase,
    conditions,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    startTime: old.startTime ?? nowIso,
    containerStatuses,
  };
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  return status;
}

function containerStatus(name: string, image: string, input: StatusInput): ContainerStatus {
  const list = input.instances.get(name) ?? [];
  const newest = list[0];
  const transient = input.waiting.get(name);
  let state: ContainerState;
  let rest: Instance[];
  if (newest?.details.running) {
    state = { running: { startedAt: isoTime(newest.details.startedAt ?? input.now) } };
    rest = list.slice(1);
  } else if (newest && isTerminated(newest.details) && !shouldRestart(input.pod, newest.details.exitCode)) {
    state = terminatedState(newest);
    rest = list.slice(1);
  } else if (newest && isTerminated(newest.details)) {
    // Will run again: waiting (back-off, pull error...) with this run as the last state.
    state = { waiting: transient ?? { reason: 'ContainerCreating' } };
    rest = list;
  } else {
    state = { waiting: transient ?? { reason: 'ContainerCreating' } };
    rest = list.slice(1);
  }
  const previous = rest.find((i) => isTerminated(i.details));
  const s: ContainerStatus = {
    name,
    state,
    lastState: previous ? terminatedState(previous) : {},
    ready: !!state.running,
    restartCount: newest?.attempt ?? 0,
    image,
    imageID: newest ? `docker://${newest.details.imageId}` : '',
    started: !!state.running,
  };
  if (newest) s.containerID = `docker://${newest.details.id}`;
  return s;
}

function terminatedState(i: Instance): ContainerState {
  const t = terminatedOf(i);
  return {
    terminated: {
      exitCode: t.exitCode,
      reason: t.reason,
      ...(t.message ? { message: t.message } : {}),
      ...(t.startedAt !== undefined ? { startedAt: isoTime(t.startedAt) } : {}),
      ...(t.finishedAt !== undefined ? { finishedAt: isoTime(t.finishedAt) } : {}),
      containerID: `docker://${i.details.id}`,
    },
  };
}

/** Kubernetes' `getPhase` for a pod without init containers. */
export function podPhase(pod: Pod, statuses: ContainerStatus[]): PodPhase {
  let waiting = 0;
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of statuses) {
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState.terminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    const policy = pod.spec.restartPolicy ?? 'Always';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

/** `next` with `lastTransitionTime` kept from the old condition when the status did not change. */
function condition(old: Condition[] | undefined, next: Condition, nowIso: string): Condition {
  const prev = old?.find((c) => c.type === next.type);
  const since = prev && prev.status === next.status && prev.lastTransitionTime ? prev.lastTransitionTime : nowIso;
  return { ...next, lastProbeTime: null, lastTransitionTime: since };
}

/** Deep equality that ignores key order (stored objects come back with keys reordered). */
export function sameStatus(a: unknown, b: unknown): boolean {
  return stable(a) === stable(b);
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${stable(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
