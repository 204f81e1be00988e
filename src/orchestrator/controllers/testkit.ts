import { isConflict, isNotFound } from '../api/errors.js';
import type { Condition, KubeObject, Node, Pod, Taint } from '../api/types.js';
import { memoryCluster } from '../testing/memoryCluster.js';
import { flush, isoTime } from '../util/clock.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { startControllers, type ControllerManagerOptions } from './manager.js';
import { getCondition, setCondition } from '../api/podutil.js';

export interface NodeSpecForTest {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
  unschedulable?: boolean;
  ready?: boolean;
}

/**
 * For controller and scheduler unit tests: a memoryCluster (real SQLite in memory, real registry,
 * FakeClock) with the controller manager running on it, plus helpers that play the parts not under
 * test (the agent: nodes, heartbeats, pod status). `settle()` waits until every queue is idle and no
 * reconcile ran in a whole round, fast-forwarding the fake clock only to pending backoff retries.
 */
export async function controllerFixture(options: ControllerManagerOptions = {}, log: Logger = silentLogger) {
  const cluster = await memoryCluster();
  const { client, clock } = cluster;
  let mgr = startControllers({ client, clock, log, options });
  await mgr.synced();
  /** Stops the controller manager and starts a new one on the same data: an app restart. */
  const restartControllers = async (): Promise<void> => {
    await mgr.dispose();
    mgr = startControllers({ client, clock, log, options });
    await mgr.synced();
  };

  const runs = () => mgr.loops.reduce((n, l) => n + l.runs(), 0);
  const settle = async (): Promise<void> => {
    for (let round = 0; round < 2000; round++) {
      const before = runs();
      await flush();
      await Promise.all(mgr.loops.map((l) => l.idle()));
      await mgr.eventsIdle();
      await flush();
      if (runs() !== before) continue;
      const due = mgr.loops.map((l) => l.nextRetryAt()).filter((x): x is number => x !== undefined);
      const next = due.length ? Math.min(...due) : undefined;
      if (next !== undefined && next - clock.now() <= 10_000) {
        await clock.advance(Math.max(0, next - clock.now()));
        continue;
      }
      return;
    }
    throw new Error('controllers did not settle');
  };

  /** Moves the fake clock forward, then settles. */
  const advance = async (ms: number): Promise<void> => {
    await clock.advance(ms);
    await settle();
  };

  const addNode = async (name: string, s: NodeSpecForTest = {}): Promise<Node> => {
    const now = isoTime(clock.now());
    const capacity: Record<string, string> = { pods: s.pods ?? '110' };
    if (s.cpu) capacity.cpu = s.cpu;
    if (s.memory) capacity.memory = s.memory;
    const ready: Condition = s.ready === false
      ? { type: 'Ready', status: 'False', reason: 'KubeletNotReady', lastHeartbeatTime: now, lastTransitionTime: now }
      : { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now };
    const node: Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name, ...s.labels } },
      spec: { ...(s.unschedulable ? { unschedulable: true } : {}), ...(s.taints ? { taints: s.taints } : {}) },
      status: { capacity, allocatable: capacity, conditions: [ready] },
    };
    return client.create('nodes', node);
  };

  /** What the agent's heartbeat does: Ready=True with a fresh lastHeartbeatTime. */
  const heartbeat = async (name: string): Promise<void> => {
    const node = await client.get<Node>('nodes', undefined, name);
    const now = isoTime(clock.now());
    const conditions = setCondition(node.status?.conditions, { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now }, now);
    await client.updateStatus('nodes', { ...node, status: { ...node.status, conditions } });
  };

  let ip = 0;
  /** What the agent does for a pod it started: Running, an IP, Ready (or not). */
  const setPodStatus = async (pod: Pod, ready = true): Promise<Pod> => {
    const now = isoTime(clock.now());
    const podIP = pod.status?.podIP ?? `10.42.${Math.floor(++ip / 250)}.${(ip % 250) + 1}`;
    let conditions = setCondition(pod.status?.conditions, { type: 'PodScheduled', status: 'True' }, now);
    conditions = setCondition(conditions, { type: 'Ready', status: ready ? 'True' : 'False' }, now);
    return client.updateStatus<Pod>('pods', { ...pod, status: { ...pod.status, phase: 'Running', podIP, podIPs: [{ ip: podIP }], hostIP: '192.168.0.1', startTime: now, conditions } });
  };

  /** Marks every bound, not-yet-ready pod (optionally only some) Running and Ready. */
  const readyAllPods = async (filter: (p: Pod) => boolean = () => true): Promise<number> => {
    let n = 0;
    for (const p of await pods()) {
      if (!p.spec.nodeName || p.metadata.deletionTimestamp || getCondition(p.status?.conditions, 'Ready')?.status === 'True' || !filter(p)) continue;
      try {
        await setPodStatus(p);
        n++;
      } catch (e) {
        // Changed or gone meanwhile (a controller acted on it): like the agent, catch it next round.
        if (!isConflict(e) && !isNotFound(e)) throw e;
      }
    }
    return n;
  };

  /**
   * What the agent does once a terminating pod's containers are stopped: a pod that finalizers
   * hold gets its terminal phase (Failed, unless it had succeeded), then the pod is deleted for good.
   */
  const finishTerminating = async (): Promise<number> => {
    let n = 0;
    for (const p of await pods()) {
      if (!p.metadata.deletionTimestamp) continue;
      try {
        const phase = p.status?.phase;
        if (p.metadata.finalizers?.length && phase !== 'Succeeded' && phase !== 'Failed') {
          await client.patch('pods', p.metadata.namespace, p.metadata.name ?? '', 'merge', { status: { phase: 'Failed' } }, { subresource: 'status' });
        }
        await client.delete('pods', p.metadata.namespace, p.metadata.name ?? '', { gracePeriodSeconds: 0 });
        n++;
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    return n;
  };

  const pods = async (namespace?: string): Promise<Pod[]> => (await client.list<Pod>('pods', namespace ? { namespace } : {})).items;
  const list = async <T extends KubeObject>(resource: string, namespace?: string): Promise<T[]> => (await client.list<T>(resource, namespace ? { namespace } : {})).items;
  const events = async (reason?: string) => (await list<KubeObject & { reason?: string; message?: string; count?: number; involvedObject: { name?: string } }>('events')).filter((e) => !reason || e.reason === reason);

  return {
    ...cluster,
    get mgr() {
      return mgr;
    },
    restartControllers,
    settle,
    advance,
    addNode,
    heartbeat,
    setPodStatus,
    readyAllPods,
    finishTerminating,
    pods,
    list,
    events,
    async dispose() {
      await mgr.dispose();
      cluster.dispose();
    },
  };
}

export type ControllerFixture = Awaited<ReturnType<typeof controllerFixture>>;
