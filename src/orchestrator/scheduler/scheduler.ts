import { isConflict, isNotFound } from '../api/errors.js';
import { objectKey } from '../api/resources.js';
import type { PodDisruptionBudget } from '../api/policy.js';
import type { KubeObject, Node, Pod } from '../api/types.js';
import type { Client } from '../client/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { EventRecorder } from '../client/events.js';
import { SharedInformers } from '../client/SharedInformers.js';
import { deepEqual, getCondition, isPodTerminal, podPriority, setCondition } from '../api/podutil.js';
import { InvalidSpec, type ControllerLoop } from '../client/runner.js';
import { isoTime, type Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { CycleState, fitErrorMessage, numFeasibleNodesToFind, runFilters, runPreFilters, selectHost, type NodeInfo, type Plugin } from './framework.js';
import { SchedulerCache } from './cache.js';
import { findPreemption, withPods, type Preemption } from './preemption.js';
import { defaultPlugins } from './registry.js';
import { schedulingLoop, type CycleResult } from './loop.js';
import { VOLUME_RESOURCES, WaitingForVolumes } from './plugins/volumeBinding.js';

export const SCHEDULER_NAME = 'default-scheduler';
/**
 * Skiff extension: on a pod the scheduler could not place, JSON `{ "<node>": "<reason>; ..." }` with
 * the filter that rejected each node, so the UI can say why per node. Removed once the pod is bound.
 */
export const NODE_REASONS_ANNOTATION = 'scheduler.skiff.dev/node-reasons';

export interface SchedulerOptions {
  /**
   * How often pending pods are looked at again whatever happened (a pod no queue holds is queued; a
   * pod parked as unschedulable longer than `maxInUnschedulableMs` is moved). Default 30 s.
   */
  retryIntervalMs?: number;
  /** kube-scheduler's podMaxInUnschedulablePodsDuration. Default 5 min. */
  maxInUnschedulableMs?: number;
  /** kube-scheduler's podInitialBackoffSeconds / podMaxBackoffSeconds, in ms. Default 1 s / 10 s. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Plugins by name to leave out of the default profile. */
  disabledPlugins?: string[];
  /** A whole custom plugin list (tests). */
  plugins?: Plugin[];
  /**
   * kube-scheduler's percentageOfNodesToScore: with 100 nodes or more, a cycle stops filtering once
   * this share of the nodes fits (never fewer than 100). 0 or unset: adaptive (50% minus 1% per 125
   * nodes, at least 5%); 100: every node.
   */
  percentageOfNodesToScore?: number;
  /** Bindings in flight at once (kube-scheduler binds asynchronously too). Default 16. */
  parallelBinds?: number;
}

/**
 * kube-scheduler in small: one pod per cycle, one worker, pods taken from the `SchedulingQueue` by
 * priority (queue.ts). For each pending pod (no nodeName, our schedulerName), run every plugin's preFilter, filter the nodes (on big clusters until enough fit,
 * from a rotating start), score the feasible ones, assume the pod on the best node in the cache and
 * bind it (`pods/binding`) in the background with up to `parallelBinds` in flight, so the next cycle
 * starts without waiting for the write; a failed binding forgets the assumption and retries the pod.
 * Then record `Scheduled`. When no node fits, the pod gets
 * PodScheduled=False/Unschedulable with kube-scheduler's message, the per-node reasons annotation and
 * a FailedScheduling event; it is parked until a cluster event that may help moves it (a node added
 * or changed, a bound pod gone, a volume changed), or for at most `maxInUnschedulableMs`.
 */
export function createScheduler(ctx: ControllerContext, options: SchedulerOptions = {}): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: SCHEDULER_NAME });
  const recorder = ctx.recorder(SCHEDULER_NAME);
  const plugins = options.plugins ?? defaultPlugins(options.disabledPlugins);
  const podInf = informers.get<Pod>('pods');
  const nodeInf = informers.get<Node>('nodes');
  const pdbInf = informers.get<PodDisruptionBudget>('poddisruptionbudgets');
  const cache = new SchedulerCache();
  /** Pods whose spec can never schedule, by key -> `uid/generation`: left alone until they change. */
  const invalid = new Map<string, string>();
  /** Bindings in flight. */
  const binding = new Set<Promise<void>>();
  /** Pods whose PreBind waits for their claims to be provisioned and bound: parked, moved on any volume change. */
  const waitingForVolumes = new Set<string>();
  const parallelBinds = Math.max(1, options.parallelBinds ?? 16);
  /** Where the next cycle's filtering starts (kube-scheduler's nextStartNodeIndex). */
  let nextStartNode = 0;

  /** Pending pods nominated to a node by a preemption, by key (kube-scheduler's nominator): usually none. */
  const nominated = new Map<string, Pod>();
  const trackNominated = (pod: Pod) => {
    const key = keyOf(pod);
    if (needsScheduling(pod) && pod.status?.nominatedNodeName) nominated.set(key, pod);
    else nominated.delete(key);
  };
  /** The pods nominated to each node, other than `pod`, of its priority or higher. */
  const nominatedOutranking = (pod: Pod, key: string): Map<string, Pod[]> => {
    const out = new Map<string, Pod[]>();
    if (nominated.size === 0) return out;
    const prio = podPriority(pod);
    for (const [k, p] of nominated) {
      const node = p.status?.nominatedNodeName;
      if (k === key || !node || podPriority(p) < prio) continue;
      const list = out.get(node);
      if (list) list.push(p);
      else out.set(node, [p]);
    }
    return out;
  };

  /** One scheduling cycle for a popped pod; the queue puts it where its result says. */
  const attempt = async (key: string): Promise<CycleResult> => {
    const pod = podInf.get(key);
    if (!pod || !needsScheduling(pod) || cache.isAssumed(key)) return 'done';
    const version = `${pod.metadata.uid}/${pod.metadata.generation}`;
    if (invalid.get(key) === version) return 'done';
    invalid.delete(key);
    const state = new CycleState({ informers, client });
    const nodes = cache.nodeInfos(nodeInf.list());
    try {
      runPreFilters(plugins, state, pod, nodes);
    } catch (e) {
      if (!(e instanceof InvalidSpec)) throw e;
      // Never schedulable as written: left alone until the pod changes (its update queues it).
      invalid.set(key, version);
      recorder.record(pod, 'Warning', 'FailedScheduling', e.message);
      log.info('invalid spec; not retrying', { key, error: e.message });
      return 'done';
    }
    const limit = numFeasibleNodesToFind(nodes.length, options.percentageOfNodesToScore);
    // A node holds the room of the pods nominated to it that outrank this one (they preempted
    // there and wait for their victims to go): filtered as if they were placed, scored as it is.
    const reserved = nominatedOutranking(pod, key);
    const filtered = reserved.size ? nodes.map((n) => (reserved.has(n.name) ? withPods(n, reserved.get(n.name) as Pod[]) : n)) : nodes;
    const found = runFilters(plugins, state, pod, filtered, { limit, start: nextStartNode });
    const { reasons, processed } = found;
    const plain = reserved.size ? new Map(nodes.map((n) => [n.name, n])) : undefined;
    const feasible = plain ? found.feasible.map((v) => plain.get(v.name) as NodeInfo) : found.feasible;
    nextStartNode = nodes.length ? (nextStartNode + processed) % nodes.length : 0;
    const best = selectHost(plugins, state, pod, feasible);
    if (!best) {
      // With the reserved room counted: a nominated pod's room is no victim's to free.
      const pre = findPreemption(plugins, state, pod, filtered, reasons, pdbInf.list());
      if (pre) await preempt(pod, pre);
      await reportUnschedulable(pod, fitErrorMessage(nodes.length, reasons), reasons);
      return 'unschedulable';
    }
    const node = best.node.name;
    cache.assume(pod, node);
    log.debug('assumed', { pod: key, node, score: best.score });
    const p = bind(key, pod, node, state).finally(() => binding.delete(p));
    binding.add(p);
    while (binding.size >= parallelBinds) await Promise.race(binding);
    return 'done';
  };

  /** The binding cycle: never throws; on failure the pod is forgotten and tried again with backoff. */
  const bind = async (key: string, pod: Pod, node: string, state: CycleState): Promise<void> => {
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    const retry = (stage: string, e: unknown): void => {
      cache.forget(key);
      log.warn(`${stage} failed; retrying after back-off`, { pod: key, node, error: e instanceof Error ? e.message : String(e) });
      loop.queue.retry(key, priorityOf(key));
    };
    try {
      // PreBind (the volume binder's selected-node): part of the binding cycle, as upstream.
      for (const p of plugins) await p.preBind?.(state, pod, node);
    } catch (e) {
      if (e instanceof WaitingForVolumes) {
        // Its claims are being provisioned on that node: tried again when one changes (a slow
        // fallback in case no change comes), not backed off, and not a failure to report. The pod
        // says once what it waits for (kube-scheduler's PreBind wait leaves no trace until it times
        // out; the claim's own events say why provisioning is slow).
        cache.forget(key);
        if (!waitingForVolumes.has(key)) recorder.record(pod, 'Normal', 'WaitingForVolumes', e.message);
        waitingForVolumes.add(key);
        log.debug('waiting for volumes', { pod: key, node, reason: e.message });
        loop.queue.park(key);
        loop.enqueueAfter(key, 5_000);
        return;
      }
      retry('preBind', e);
      return;
    }
    waitingForVolumes.delete(key);
    try {
      await client.bind(ns, name, node);
    } catch (e) {
      // Bound by someone else, or gone: nothing left to do for this pod.
      if (isConflict(e) || isNotFound(e)) {
        cache.forget(key);
        return;
      }
      retry('binding', e);
      return;
    }
    recorder.record(pod, 'Normal', 'Scheduled', `Successfully assigned ${ns}/${name} to ${node}`);
    await clearUnschedulable(pod);
  };

  /** Deletes the victims (gracefully) and nominates the node; the pod binds once they are gone. */
  const preempt = async (pod: Pod, pre: Preemption): Promise<void> => {
    for (const v of pre.victims) {
      recorder.record(v, 'Normal', 'Preempted', `Preempted by pod ${pod.metadata.uid ?? ''} on node ${pre.node}`);
      try {
        await client.delete('pods', v.metadata.namespace, v.metadata.name ?? '', { preconditions: { uid: v.metadata.uid } });
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    }
    log.info('preempted', { pod: pod.metadata.name, node: pre.node, victims: pre.victims.map((v) => v.metadata.name) });
    if (pod.status?.nominatedNodeName !== pre.node) {
      await client.patch('pods', pod.metadata.namespace, pod.metadata.name ?? '', 'merge', { status: { nominatedNodeName: pre.node } }, { subresource: 'status' });
    }
    // Pods of lower priority nominated to that node may no longer fit there: their nomination goes,
    // and they are tried again for another place (kube-scheduler's prepareCandidate).
    const prio = podPriority(pod);
    for (const [k, p] of nominated) {
      if (p.status?.nominatedNodeName !== pre.node || podPriority(p) >= prio) continue;
      try {
        await client.patch('pods', p.metadata.namespace, p.metadata.name ?? '', 'merge', { status: { nominatedNodeName: null } }, { subresource: 'status' });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      nominated.delete(k);
      loop.enqueue(k);
    }
  };

  const reportUnschedulable = async (pod: Pod, message: string, reasons: Map<string, string[]>): Promise<void> => {
    recorder.record(pod, 'Warning', 'FailedScheduling', message);
    const perNode = JSON.stringify(Object.fromEntries([...reasons].sort(([a], [b]) => a.localeCompare(b)).map(([n, r]) => [n, r.join('; ')])));
    if (pod.metadata.annotations?.[NODE_REASONS_ANNOTATION] !== perNode) {
      await client.patch('pods', pod.metadata.namespace, pod.metadata.name ?? '', 'merge', { metadata: { annotations: { [NODE_REASONS_ANNOTATION]: perNode } } });
    }
    const conditions = setCondition(pod.status?.conditions, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null }, isoTime(clock.now()));
    if (conditions === pod.status?.conditions && pod.status?.phase) return;
    await client.patch('pods', pod.metadata.namespace, pod.metadata.name ?? '', 'merge', { status: { phase: pod.status?.phase ?? 'Pending', conditions } }, { subresource: 'status' });
  };

  /** After a bind, a pod that once failed to schedule should not keep saying why. */
  const clearUnschedulable = async (pod: Pod): Promise<void> => {
    const failed = getCondition(pod.status?.conditions, 'PodScheduled')?.status === 'False';
    const annotated = pod.metadata.annotations?.[NODE_REASONS_ANNOTATION] !== undefined;
    try {
      if (annotated) {
        await client.patch('pods', pod.metadata.namespace, pod.metadata.name ?? '', 'merge', { metadata: { annotations: { [NODE_REASONS_ANNOTATION]: null } } });
      }
      if (failed) {
        const conditions = setCondition(pod.status?.conditions, { type: 'PodScheduled', status: 'True', lastProbeTime: null }, isoTime(clock.now())).map((c) =>
          c.type === 'PodScheduled' ? { type: c.type, status: c.status, lastProbeTime: null, lastTransitionTime: c.lastTransitionTime } : c,
        );
        await client.patch('pods', pod.metadata.namespace, pod.metadata.name ?? '', 'merge', { status: { conditions } }, { subresource: 'status' });
      }
    } catch (e) {
      // Cosmetic: the binding is what matters, and the agent rewrites the pod's status anyway.
      if (!isNotFound(e)) log.debug('could not clear unschedulable marks', { pod: pod.metadata.name, error: (e as Error).message });
    }
  };

  const keyOf = (p: Pod) => objectKey(p.metadata.namespace, p.metadata.name ?? '');
  const priorityOf = (key: string): number => {
    const pod = podInf.get(key);
    return pod ? podPriority(pod) : 0;
  };
  const loop = schedulingLoop(SCHEDULER_NAME, attempt, {
    clock,
    log,
    ready: informers.waitForSync(['pods', 'nodes', 'namespaces', ...VOLUME_RESOURCES]),
    priorityOf,
    initialBackoffMs: options.initialBackoffMs,
    maxBackoffMs: options.maxBackoffMs,
    maxInUnschedulableMs: options.maxInUnschedulableMs,
  });
  /** A cluster event that may let parked pods fit (kube-scheduler's MoveAllToActiveOrBackoffQueue). */
  const moveAll = (which?: (key: string) => boolean) => loop.queue.moveAll(priorityOf, which);
  const volumesChanged = () => moveAll();
  for (const r of VOLUME_RESOURCES) informers.get(r).addHandlers({ onAdd: volumesChanged, onUpdate: volumesChanged });
  /** Parked pods a newly bound pod may help: inter-pod affinity and topology spread count bound pods. */
  const countsBoundPods = (key: string): boolean => {
    const spec = podInf.get(key)?.spec as { affinity?: { podAffinity?: unknown }; topologySpreadConstraints?: unknown[] } | undefined;
    return !!(spec?.affinity?.podAffinity || spec?.topologySpreadConstraints?.length);
  };
  /** Parked pods with pod affinity of any kind: a namespace's labels decide which pods their namespaceSelectors see. */
  const hasPodAffinity = (key: string): boolean => {
    const a = (podInf.get(key)?.spec as { affinity?: { podAffinity?: unknown; podAntiAffinity?: unknown } } | undefined)?.affinity;
    return !!(a?.podAffinity || a?.podAntiAffinity);
  };
  informers.get<KubeObject>('namespaces').addHandlers({
    onAdd: () => moveAll(hasPodAffinity),
    onUpdate: (old, ns) => {
      if (!deepEqual(old.metadata.labels ?? {}, ns.metadata.labels ?? {})) moveAll(hasPodAffinity);
    },
  });

  podInf.addHandlers({
    onAdd: (pod) => {
      cache.update(pod);
      trackNominated(pod);
      if (needsScheduling(pod)) loop.enqueue(keyOf(pod));
      else if (pod.spec.nodeName && !isPodTerminal(pod)) moveAll(countsBoundPods);
    },
    onUpdate: (old, pod) => {
      cache.update(pod);
      trackNominated(pod);
      const key = keyOf(pod);
      if (needsScheduling(pod)) {
        // A pod no queue holds is queued; a queued one moves only for what scheduling reads (its
        // spec, labels, priority): our own status and annotation writes must not retry it in a loop.
        const relevant = old.metadata.generation !== pod.metadata.generation || podPriority(old) !== podPriority(pod) || !deepEqual(old.metadata.labels ?? {}, pod.metadata.labels ?? {});
        if (relevant || (!loop.queue.has(key) && !cache.isAssumed(key))) loop.enqueue(key);
      } else {
        loop.queue.delete(key);
        if (old.spec.nodeName && !isPodTerminal(old) && isPodTerminal(pod)) moveAll();
        else if (!old.spec.nodeName && pod.spec.nodeName) moveAll(countsBoundPods);
        else if (pod.spec.nodeName && !deepEqual(old.metadata.labels ?? {}, pod.metadata.labels ?? {})) moveAll(countsBoundPods);
      }
    },
    onDelete: (pod) => {
      const key = keyOf(pod);
      cache.remove(key);
      nominated.delete(key);
      loop.queue.delete(key);
      invalid.delete(key);
      waitingForVolumes.delete(key);
      if (pod.spec.nodeName) moveAll();
    },
  });
  nodeInf.addHandlers({
    onAdd: () => moveAll(),
    onUpdate: (old, node) => {
      if (schedulingRelevant(old) !== schedulingRelevant(node)) moveAll();
    },
  });
  // Level-triggered safety net: a pending pod no queue holds is queued, and pods parked too long move.
  const cancel = clock.setInterval(() => {
    loop.queue.flushUnschedulableLeftover(priorityOf);
    for (const p of podInf.list(needsScheduling)) {
      const key = keyOf(p);
      if (!loop.queue.has(key) && !cache.isAssumed(key)) loop.enqueue(key);
    }
  }, options.retryIntervalMs ?? 30_000);
  // Idle means no cycle queued or running and no binding in flight (tests settle on it).
  const idle = async (): Promise<void> => {
    do {
      await loop.idle();
      await Promise.all([...binding]);
    } while (binding.size > 0);
  };
  return { ...loop, idle, stop: () => (cancel(), loop.stop()) };
}

/**
 * A pod this scheduler places: unbound, ours, alive, and with no scheduling gate left (kube-scheduler's
 * SchedulingGates PreEnqueue plugin: a gated pod never enters the queue; removing its last gate is an
 * update, which queues it).
 */
function needsScheduling(pod: Pod): boolean {
  const name = pod.spec.schedulerName;
  const gates = (pod.spec as { schedulingGates?: unknown[] }).schedulingGates;
  return !pod.spec.nodeName && !pod.metadata.deletionTimestamp && !isPodTerminal(pod) && (!name || name === SCHEDULER_NAME) && !gates?.length;
}

/** The parts of a Node the filters read; heartbeats alone do not retry pending pods. */
function schedulingRelevant(n: Node): string {
  const ready = getCondition(n.status?.conditions, 'Ready')?.status;
  return JSON.stringify([n.spec?.unschedulable, n.spec?.taints, n.metadata.labels, n.status?.allocatable, n.status?.capacity, ready]);
}

export interface StartSchedulerOptions {
  client: Client;
  clock: Clock;
  log: Logger;
  /** Share the control plane's informers; without them the scheduler lists and watches on its own. */
  informers?: SharedInformers;
  options?: SchedulerOptions;
}

/** Runs the scheduler alone (the manager runs it with the controllers on shared informers). */
export function startScheduler(o: StartSchedulerOptions): { loop: ControllerLoop; dispose(): Promise<void> } {
  const own = !o.informers;
  const informers = o.informers ?? new SharedInformers(o.client, o.clock, o.log);
  const recorders: EventRecorder[] = [];
  const ctx: ControllerContext = {
    client: o.client,
    clock: o.clock,
    log: o.log,
    informers,
    recorder: (component) => {
      const r = new EventRecorder({ client: o.client, clock: o.clock, log: o.log, component });
      recorders.push(r);
      return r;
    },
  };
  const loop = createScheduler(ctx, o.options);
  informers.start();
  return {
    loop,
    async dispose() {
      loop.stop();
      if (own) informers.stop();
      await Promise.all(recorders.map((r) => r.idle()));
    },
  };
}
