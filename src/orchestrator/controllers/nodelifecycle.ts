import { isConflict, isNotFound } from '../api/errors.js';
import type { Condition, Node, Pod, Taint } from '../api/types.js';
import { findToleration, TAINT_NOT_READY, TAINT_UNREACHABLE } from '../api/taints.js';
import { isoTime } from '../util/clock.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { getCondition, isPodTerminal, setCondition } from '../api/podutil.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';
import { evictionPolicy, zoneOf, type EvictionPolicy } from './disruption.js';

const COMPONENT = 'node-controller';
/** The kubelet's conditions, all turned Unknown when it goes silent (as Kubernetes does). */
const KUBELET_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

export interface NodeLifecycleOptions {
  /** No heartbeat for this long turns a node Ready=Unknown. Default 40 s (Kubernetes' node-monitor-grace-period). */
  gracePeriodMs?: number;
  /** How long a node stays unreachable or not ready before its pods are deleted. Default 30 s. */
  evictionTimeoutMs?: number;
  /** How often every node is looked at. Default 5 s. */
  monitorPeriodMs?: number;
  /**
   * The controller counts itself as having been stopped (frozen, asleep) when its clock moves this
   * much between two of its own 1 s ticks. Default: half the grace period.
   */
  stallMs?: number;
}

/**
 * Node lifecycle (Kubernetes' node lifecycle controller with its taint-based eviction, and pod GC
 * for deleted nodes). A heartbeat is any change of the Ready condition's `lastHeartbeatTime`, timed
 * by this controller's own clock when it sees it (so host clock skew does not matter). Silent past
 * the grace period: the kubelet conditions go Unknown (NodeStatusUnknown, "Kubelet stopped posting
 * node status."), a NodeNotReady event, the node's pods Ready=False, and the taint
 * `node.kubernetes.io/unreachable:NoExecute` (`not-ready` when the agent reports Ready=False). Pods
 * not tolerating the taint are deleted with grace 0 once it is older than the eviction timeout (or
 * their toleration's `tolerationSeconds`): their agent is gone, so nobody would finish a graceful
 * delete, and their ReplicaSets replace them at once. A heartbeat removes the taint. Pods bound to a
 * Node that is deleted are deleted too.
 *
 * A silent control plane is not a silent node. Every node gets a fresh grace period when this
 * controller starts (an app restart) and when it notices it was not running (the process frozen,
 * the laptop asleep), and nothing is evicted before that grace period and then the eviction timeout
 * have passed. Evictions also follow Kubernetes' disruption rules (disruption.ts): none at all while
 * every zone is fully disrupted (every node unreachable at once: the fault is on this side), paused
 * in a small cluster's partially disrupted zone, and paced per zone (0.1 node/s).
 */
export function startNodeLifecycleController(ctx: ControllerContext, options: NodeLifecycleOptions = {}): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const recorder = ctx.recorder(COMPONENT);
  const grace = options.gracePeriodMs ?? 40_000;
  const eviction = options.evictionTimeoutMs ?? 30_000;
  const nodeInf = informers.get<Node>('nodes');
  const podInf = informers.get<Pod>('pods');
  /** Last heartbeat seen per node, and when (our clock). */
  const observed = new Map<string, { heartbeat: string; at: number }>();
  /** When every node last got a fresh grace period: start-up, or waking from a stall. */
  let graceFrom = clock.now();
  let lastTick = clock.now();
  const stallMs = options.stallMs ?? Math.max(grace / 2, 2_000);
  /** Nodes whose eviction has started (paced per zone), and when each zone may start the next. */
  const evicting = new Set<string>();
  const zoneNext = new Map<string, number>();
  let allDisrupted = false;

  const freshGrace = (now: number) => {
    graceFrom = now;
    for (const [name, o] of observed) observed.set(name, { ...o, at: now });
  };

  /** Notices time that passed without this controller running, and forgives the nodes for it. */
  const noticeStall = () => {
    const now = clock.now();
    if (now - lastTick > stallMs) {
      log.warn('the node controller was not running; every node gets a fresh grace period', { seconds: Math.round((now - lastTick) / 1000) });
      freshGrace(now);
    }
    lastTick = now;
  };

  /**
   * Kubernetes' "master disruption mode": while every zone is fully disrupted, no node keeps an
   * eviction taint (nothing is evicted); when a node is ready again, every node gets a fresh grace.
   */
  const checkDisruption = (self: Node): EvictionPolicy => {
    const policy = evictionPolicy(nodeInf.list().map((n) => (n.metadata.name === self.metadata.name ? self : n)));
    if (policy.allDisrupted !== allDisrupted) {
      allDisrupted = policy.allDisrupted;
      if (allDisrupted) {
        log.warn('every node is unreachable at once: the fault is likely on the control plane\'s side; no pod is evicted until a node is ready again');
      } else {
        log.info('a node is ready again; every node gets a fresh grace period and evictions resume');
        freshGrace(clock.now());
      }
      for (const k of nodeInf.keys()) if (k !== self.metadata.name) loop.enqueue(k);
    }
    return policy;
  };

  const observe = (node: Node) => {
    const name = node.metadata.name ?? '';
    const hb = getCondition(node.status?.conditions, 'Ready')?.lastHeartbeatTime ?? '';
    const o = observed.get(name);
    if (!o || o.heartbeat !== hb) observed.set(name, { heartbeat: hb, at: clock.now() });
  };
  const podsOn = (name: string) => podInf.list((p) => p.spec.nodeName === name);

  const reconcile = async (name: string): Promise<void> => {
    noticeStall();
    let node = nodeInf.get(name);
    if (!node) {
      observed.delete(name);
      evicting.delete(name);
      await deletePods(podsOn(name), undefined);
      return;
    }
    observe(node);
    const now = clock.now();
    const seen = observed.get(name);
    if (seen && now - seen.at > grace && getCondition(node.status?.conditions, 'Ready')?.status !== 'Unknown') {
      node = await markUnknown(node);
      await markPodsNotReady(name);
    }
    const policy = checkDisruption(node);
    const ready = getCondition(node.status?.conditions, 'Ready')?.status;
    const taint = policy.allDisrupted ? undefined : ready === 'Unknown' ? TAINT_UNREACHABLE : ready === 'False' ? TAINT_NOT_READY : undefined;
    node = await syncTaints(node, taint);
    const t = node.spec?.taints?.find((x) => x.key === taint && x.effect === 'NoExecute');
    const waits: number[] = [];
    // Look again just after the grace period would run out, and when the next eviction is due.
    if (ready !== 'Unknown' && seen) waits.push(Math.max(1, seen.at + grace + 1 - now));
    if (t) {
      const wait = await evict(node, t, policy);
      if (wait !== undefined) waits.push(wait);
    } else evicting.delete(name);
    if (waits.length) loop.enqueueAfter(name, Math.min(...waits));
  };

  const markUnknown = async (node: Node): Promise<Node> => {
    const now = isoTime(clock.now());
    const never = !getCondition(node.status?.conditions, 'Ready');
    let conditions = node.status?.conditions ?? [];
    for (const type of KUBELET_CONDITIONS) {
      const old = getCondition(conditions, type);
      if (!old && type !== 'Ready') continue;
      const c: Condition = never
        ? { type, status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: node.metadata.creationTimestamp ?? now }
        : { type, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' };
      conditions = setCondition(conditions, c, now);
    }
    const updated = await client.updateStatus<Node>('nodes', { ...node, status: { ...node.status, conditions } });
    log.info('node stopped posting status', { node: node.metadata.name });
    recorder.record(node, 'Normal', 'NodeNotReady', `Node ${node.metadata.name} status is now: NodeNotReady`);
    return updated;
  };

  const markPodsNotReady = async (name: string): Promise<void> => {
    const now = isoTime(clock.now());
    for (const pod of podsOn(name)) {
      // A terminating pod is left alone: its next write belongs to whoever finishes deleting it.
      if (isPodTerminal(pod) || pod.metadata.deletionTimestamp) continue;
      const cur = getCondition(pod.status?.conditions, 'Ready');
      if (cur?.status === 'False') continue;
      const conditions = setCondition(pod.status?.conditions, { type: 'Ready', status: 'False', reason: 'NodeNotReady', message: 'Node is not ready' }, now);
      try {
        await client.updateStatus<Pod>('pods', { ...pod, status: { ...pod.status, conditions } });
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    }
  };

  /** Exactly the one NoExecute taint the Ready status calls for, other taints untouched. */
  const syncTaints = async (node: Node, want: string | undefined): Promise<Node> => {
    const mine = new Set([TAINT_UNREACHABLE, TAINT_NOT_READY]);
    const current = node.spec?.taints ?? [];
    const keep = current.filter((t) => !(mine.has(t.key) && t.effect === 'NoExecute' && t.key !== want));
    const has = keep.some((t) => t.key === want && t.effect === 'NoExecute');
    const taints: Taint[] = want && !has ? [...keep, { key: want, effect: 'NoExecute', timeAdded: isoTime(clock.now()) }] : keep;
    if (taints.length === current.length && has === !!want) return node;
    const updated = await client.patch<Node>('nodes', undefined, node.metadata.name ?? '', 'merge', {
      metadata: { resourceVersion: node.metadata.resourceVersion },
      spec: { taints: taints.length ? taints : null },
    });
    if (!want && getCondition(node.status?.conditions, 'Ready')?.status === 'True') {
      recorder.record(node, 'Normal', 'NodeReady', `Node ${node.metadata.name} status is now: NodeReady`);
    }
    return updated;
  };

  /**
   * Deletes the pods whose time under the taint is up; returns ms until the next one is due. Time
   * under the taint counts from when it was added, but never from before the nodes' last fresh
   * grace period ended.
   */
  const evict = async (node: Node, taint: Taint, policy: EvictionPolicy): Promise<number | undefined> => {
    const name = node.metadata.name ?? '';
    const since = Math.max(Date.parse(taint.timeAdded ?? '') || clock.now(), graceFrom + grace);
    const now = clock.now();
    const due: Pod[] = [];
    let next: number | undefined;
    for (const pod of podsOn(node.metadata.name ?? '')) {
      if (isPodTerminal(pod)) continue;
      const tol = findToleration(pod, taint);
      if (tol && tol.tolerationSeconds === undefined) continue;
      const at = since + (tol?.tolerationSeconds !== undefined ? Math.max(0, tol.tolerationSeconds) * 1000 : eviction);
      if (at <= now) due.push(pod);
      else next = Math.min(next ?? Infinity, at - now);
    }
    if (due.length && !evicting.has(name)) {
      const wait = mayStartEvicting(node, policy);
      if (wait > 0) return Math.min(wait, next ?? Infinity);
      evicting.add(name);
    }
    await deletePods(due, node);
    return next;
  };

  /** 0 when this node's pods may start being evicted now, else ms to wait (disruption rules, pacing). */
  const mayStartEvicting = (node: Node, policy: EvictionPolicy): number => {
    const zone = zoneOf(node);
    const rate = policy.rate(zone);
    const monitor = options.monitorPeriodMs ?? 5_000;
    if (rate === 0) return monitor;
    const now = clock.now();
    const at = zoneNext.get(zone) ?? 0;
    if (at > now) return at - now;
    zoneNext.set(zone, now + 1000 / rate);
    return 0;
  };

  const deletePods = async (pods: Pod[], node: Node | undefined): Promise<void> => {
    for (const pod of pods) {
      try {
        await client.delete('pods', pod.metadata.namespace, pod.metadata.name ?? '', { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
        recorder.record(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${pod.metadata.namespace}/${pod.metadata.name}`);
        log.info('deleted pod of lost node', { pod: pod.metadata.name, node: node?.metadata.name ?? pod.spec.nodeName });
      } catch (e) {
        if (!isNotFound(e) && !isConflict(e)) throw e;
      }
    }
  };

  const loop = runLoop(COMPONENT, reconcile, { clock, log, ready: informers.waitForSync(['nodes', 'pods']) });
  nodeInf.addHandlers({
    onAdd: (n) => {
      observe(n);
      loop.enqueue(n.metadata.name ?? '');
    },
    onUpdate: (_o, n) => {
      observe(n);
      loop.enqueue(n.metadata.name ?? '');
    },
    onDelete: (n) => loop.enqueue(n.metadata.name ?? ''),
  });
  const cancel = clock.setInterval(() => {
    for (const k of nodeInf.keys()) loop.enqueue(k);
  }, options.monitorPeriodMs ?? 5_000);
  const cancelTick = clock.setInterval(noticeStall, 1_000);
  return { ...loop, stop: () => (cancel(), cancelTick(), loop.stop()) };
}
