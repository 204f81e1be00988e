import type { Condition, Container, ContainerState, ContainerStateWaiting, ContainerStatus, Pod, PodPhase, PodStatus } from '../../api/types.js';
import { isoTime } from '../../util/clock.js';
import { isTerminated, shouldRestart, terminatedOf, type Instance } from './containers.js';
import { isSidecar } from '../../api/podResources.js';
import { initShouldRestart } from './initContainers.js';

/** Probe results of container runs (the agent's `ProbeManager`); undefined: no such probe. */
export interface ProbeResults {
  ready(name: string, containerId: string): boolean | undefined;
  started(name: string, containerId: string): boolean | undefined;
}

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
  /** Where initialization stands (`planInit`); absent: initialized (no init containers). */
  init?: { initialized: boolean; failed?: string };
  /** The current sandbox's network mode (`container:<id>`): init runs before it are not this pod's initialization. */
  network?: string;
  probes?: ProbeResults;
  /** Termination messages of terminated runs, by container id. */
  messages?: ReadonlyMap<string, string>;
}

/**
 * The pod status the agent reports, computed from what runs on the engine, as the kubelet's
 * `generateAPIPodStatus` does. Pure. Init containers get `initContainerStatuses` (not yet run:
 * waiting `PodInitializing`) and the Initialized condition; app containers wait with
 * `PodInitializing` until then. `ready` and `started` follow the readiness and startup probes;
 * the Ready condition also needs every readiness gate's condition True. Fields the agent does not
 * own are kept; timestamps only move when their state changes, so a status computed twice from the
 * same containers is identical (no needless writes).
 */
export function buildPodStatus(input: StatusInput): PodStatus {
  const { pod, now } = input;
  const old = pod.status ?? {};
  const initialized = input.init?.initialized ?? true;
  const inits = pod.spec.initContainers ?? [];
  const initStatuses = inits.map((c) => containerStatus(c, input, 'init'));
  const containerStatuses = pod.spec.containers.map((c) => containerStatus(c, input, initialized ? 'app' : 'blocked'));
  const phase = input.init?.failed && (pod.spec.restartPolicy ?? 'Always') === 'Never' ? 'Failed' : initialized ? podPhase(pod, containerStatuses) : 'Pending';
  const nowIso = isoTime(now);
  const sidecarStatuses = initStatuses.filter((_, i) => isSidecar(inits[i] as Container));
  const unready = [...sidecarStatuses, ...containerStatuses].filter((s) => !s.ready).map((s) => s.name);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const containersReady: Omit<Condition, 'type'> = terminal
    ? { status: 'False', reason: 'PodCompleted' }
    : unready.length
      ? { status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${unready.join(' ')}]` }
      : { status: 'True' };
  const ready = containersReady.status === 'True' ? (gatesNotReady(pod) ?? containersReady) : containersReady;
  const incomplete = inits.filter((c, i) => (isSidecar(c) ? !initStatuses[i]?.started : !initStatuses[i]?.state.terminated || initStatuses[i]?.state.terminated?.exitCode !== 0)).map((c) => c.name);
  const init: Omit<Condition, 'type'> = initialized
    ? { status: 'True' }
    : { status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${incomplete.join(' ')}]` };
  const conditions = [
    condition(old.conditions, { type: 'Initialized', ...init }, nowIso),
    condition(old.conditions, { type: 'Ready', ...ready }, nowIso),
    condition(old.conditions, { type: 'ContainersReady', ...containersReady }, nowIso),
    old.conditions?.find((c) => c.type === 'PodScheduled') ?? condition(undefined, { type: 'PodScheduled', status: 'True' }, nowIso),
    // Conditions others own (readiness gates' types, DisruptionTarget...) are kept as they are.
    ...(old.conditions ?? []).filter((c) => !OWN_CONDITIONS.has(c.type)),
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
  if (inits.length) status.initContainerStatuses = initStatuses;
  else delete status.initContainerStatuses;
  const ephemeral = pod.spec.ephemeralContainers ?? [];
  if (ephemeral.length) status.ephemeralContainerStatuses = ephemeral.map((c) => containerStatus(c, input, 'ephemeral'));
  else delete status.ephemeralContainerStatuses;
  if (podIP) {
    status.podIP = podIP;
    status.podIPs = [{ ip: podIP }];
  }
  return status;
}

const OWN_CONDITIONS = new Set(['Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);

/** The kubelet's readiness-gate check: the Ready condition's False status when a gate is not True. */
function gatesNotReady(pod: Pod): Omit<Condition, 'type'> | undefined {
  const gates = (pod.spec.readinessGates as { conditionType?: string }[] | undefined) ?? [];
  const msgs: string[] = [];
  for (const g of gates) {
    const c = pod.status?.conditions?.find((x) => x.type === g.conditionType);
    if (!c) msgs.push(`corresponding condition of pod readiness gate "${g.conditionType ?? ''}" does not exist.`);
    else if (c.status !== 'True') msgs.push(`the status of pod readiness gate "${g.conditionType ?? ''}" is not "True", but ${c.status}`);
  }
  return msgs.length ? { status: 'False', reason: 'ReadinessGatesNotReady', message: msgs.join(', ') } : undefined;
}

/**
 * One container's status. `kind`: an app container (`app`), one waiting for initialization
 * (`blocked`: `PodInitializing` until it has run), or an init container (`init`).
 */
function containerStatus(c: Container, input: StatusInput, kind: 'app' | 'init' | 'blocked' | 'ephemeral'): ContainerStatus {
  const { name, image } = c;
  const list = input.instances.get(name) ?? [];
  const newest = list[0];
  const transient = input.waiting.get(name);
  const restarts = (i: Instance) =>
    kind === 'ephemeral' ? false : kind === 'init' ? initShouldRestart(input.pod, c, i, input.network ?? i.details.networkMode) : shouldRestart(input.pod, i.details.exitCode);
  // The kubelet's default waiting state: PodInitializing for every container of a pod with init
  // containers (also between the last init container and the app's start), else ContainerCreating.
  const idle: ContainerStateWaiting = { reason: kind === 'ephemeral' || (kind === 'app' && !(input.pod.spec.initContainers ?? []).length) ? 'ContainerCreating' : 'PodInitializing' };
  let state: ContainerState;
  let rest: Instance[];
  if (newest?.details.running) {
    state = { running: { startedAt: isoTime(newest.details.startedAt ?? input.now) } };
    rest = list.slice(1);
  } else if (newest && isTerminated(newest.details) && !restarts(newest)) {
    state = terminatedState(newest, input.messages);
    rest = list.slice(1);
  } else if (newest && isTerminated(newest.details)) {
    // Will run again: waiting (back-off, pull error...) with this run as the last state; an init
    // container shows its failed run until the back-off starts, as `Init:Error` on Kubernetes.
    state = transient ? { waiting: transient } : kind === 'init' && newest.details.networkMode === input.network ? terminatedState(newest, input.messages) : { waiting: idle };
    rest = state.terminated ? list.slice(1) : list;
  } else {
    state = { waiting: transient ?? idle };
    rest = list.slice(1);
  }
  const previous = rest.find((i) => isTerminated(i.details));
  const id = newest?.details.id ?? '';
  const started = !!state.running && (input.probes?.started(name, id) ?? true);
  const ready = started && !!state.running && (input.probes?.ready(name, id) ?? true);
  const s: ContainerStatus = {
    name,
    state,
    lastState: previous ? terminatedState(previous, input.messages) : {},
    ready,
    restartCount: newest?.attempt ?? 0,
    image,
    imageID: newest ? `docker://${newest.details.imageId}` : '',
    started,
  };
  if (newest) s.containerID = `docker://${newest.details.id}`;
  // Never ready (nothing serves through it) and no startup probe: the kubelet leaves `started` unset.
  if (kind === 'ephemeral') {
    s.ready = false;
    delete s.started;
  }
  return s;
}

function terminatedState(i: Instance, messages: ReadonlyMap<string, string> | undefined): ContainerState {
  const t = terminatedOf(i);
  const message = messages?.get(i.details.id) || t.message;
  return {
    terminated: {
      exitCode: t.exitCode,
      reason: t.reason,
      ...(message ? { message } : {}),
      ...(t.startedAt !== undefined ? { startedAt: isoTime(t.startedAt) } : {}),
      ...(t.finishedAt !== undefined ? { finishedAt: isoTime(t.finishedAt) } : {}),
      containerID: `docker://${i.details.id}`,
    },
  };
}

/** Kubernetes' `getPhase` for the app containers of an initialized pod. */
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
