import { isAlreadyExists, isNotFound } from '../../api/errors.js';
import type { Condition, Node, NodeStatus } from '../../api/types.js';
import type { Client } from '../../client/types.js';
import { isoTime, type Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { EngineInfo, Runtime } from '../runtime/types.js';
import { EventRecorder } from '../../client/events.js';
import { formatMemoryKi } from './quantity.js';
import type { Recorder } from './types.js';

export const KUBELET_VERSION = 'v1.32.0-skiff';

export interface NodeStatusOptions {
  client: Client;
  runtime: Runtime;
  clock: Clock;
  log: Logger;
  nodeName: string;
  nodeIP: string;
  kubeletPort: number;
  /** Default 10 s, the interval the node lifecycle controller expects. */
  heartbeatMs?: number;
  /**
   * After a failed heartbeat (the API unreachable: tunnel down, control plane restarting or asleep)
   * the next one comes sooner, from 500 ms doubling up to this (default 2 s), so a node is Ready
   * again within moments of the API coming back.
   */
  retryMaxMs?: number;
  /** Where node events go (`Starting`, `NodeReady`, `NodeNotReady`); default: a kubelet recorder on `client`. */
  recorder?: Recorder;
}

type FullNodeStatus = NodeStatus & { daemonEndpoints: { kubeletEndpoint: { Port: number } } };

/**
 * Registers this host's Node and keeps its status current: capacity from the engine, addresses,
 * nodeInfo, and the Ready condition whose `lastHeartbeatTime` moves every heartbeat. When the engine
 * does not answer, the node reports `Ready=False` (`KubeletNotReady`) with the engine's error, so the
 * scheduler stops placing pods here. A Node deleted from the API is registered again, as a kubelet does.
 */
export class NodeStatusManager {
  private engine?: EngineInfo;
  private cancel?: () => void;
  private stopped = false;
  private failures = 0;
  private readonly recorder: Recorder;
  private started = false;
  private lastReady?: string;

  constructor(private readonly o: NodeStatusOptions) {
    this.recorder = o.recorder ?? new EventRecorder({ client: o.client, clock: o.clock, log: o.log, component: 'kubelet', host: o.nodeName });
  }

  /** Creates the Node if absent (or makes sure of its labels), then posts a first status. */
  async register(): Promise<void> {
    this.engine = await this.o.runtime.info();
    const labels = this.labels(this.engine);
    try {
      await this.o.client.create<Node>('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: this.o.nodeName, labels }, spec: {} });
      this.o.log.info('registered node', { node: this.o.nodeName });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
      await this.o.client.patch('nodes', undefined, this.o.nodeName, 'merge', { metadata: { labels } });
    }
    await this.heartbeat();
  }

  /**
   * Heartbeats every `heartbeatMs`, one at a time (a slow API never piles them up). After a failure
   * the next comes after 500 ms, 1 s, 2 s ... up to `retryMaxMs`, and the normal pace resumes with
   * the first success.
   */
  start(): void {
    this.stopped = false;
    this.schedule(this.o.heartbeatMs ?? 10_000);
  }

  stop(): void {
    this.stopped = true;
    this.cancel?.();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.cancel = this.o.clock.setTimeout(() => {
      void this.heartbeat().then(
        () => {
          if (this.failures > 0) this.o.log.info('heartbeat reaches the API again', { after: this.failures });
          this.failures = 0;
          this.schedule(this.o.heartbeatMs ?? 10_000);
        },
        (e: unknown) => {
          this.failures++;
          // One line when the API goes away, then one a minute or so: retries are frequent.
          if (this.failures === 1 || this.failures % 30 === 0) this.o.log.warn('heartbeat failed; retrying soon', { attempt: this.failures, error: e instanceof Error ? e.message : String(e) });
          const retry = Math.min(500 * 2 ** (this.failures - 1), this.o.retryMaxMs ?? 2_000, this.o.heartbeatMs ?? 10_000);
          this.schedule(retry);
        },
      );
    }, ms);
  }

  /** Posts the current status (and re-registers a Node that was deleted). */
  async heartbeat(): Promise<void> {
    let runtimeError: string | undefined;
    try {
      this.engine = await this.o.runtime.info();
    } catch (e) {
      runtimeError = e instanceof Error ? e.message : String(e);
    }
    let node: Node;
    try {
      node = await this.o.client.get<Node>('nodes', undefined, this.o.nodeName);
    } catch (e) {
      if (!isNotFound(e) || !this.engine) throw e;
      this.o.log.warn('node object is gone; registering again', { node: this.o.nodeName });
      await this.register();
      return;
    }
    const status = this.status(node, runtimeError);
    // A strategic merge keeps conditions others own (the network's NetworkUnavailable), as the kubelet's patch does.
    const updated = await this.o.client.patch<Node>('nodes', undefined, this.o.nodeName, 'strategic', { status }, { subresource: 'status' });
    this.recordTransitions(updated, runtimeError);
  }

  /** The events a kubelet records about its node, for `kubectl describe node`. */
  private recordTransitions(node: Node, runtimeError: string | undefined): void {
    if (!this.started) {
      this.started = true;
      this.recorder.record(node, 'Normal', 'Starting', 'Starting kubelet.');
    }
    const ready = runtimeError ? 'NodeNotReady' : 'NodeReady';
    if (ready !== this.lastReady) this.recorder.record(node, 'Normal', ready, `Node ${this.o.nodeName} status is now: ${ready}`);
    this.lastReady = ready;
  }

  private status(node: Node, runtimeError: string | undefined): Partial<FullNodeStatus> {
    const now = isoTime(this.o.clock.now());
    const old = node.status?.conditions ?? [];
    const cond = (type: string, status: Condition['status'], reason: string, message: string): Condition => {
      const prev = old.find((c) => c.type === type);
      return {
        type,
        status,
        reason,
        message,
        lastHeartbeatTime: now,
        lastTransitionTime: prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now,
      };
    };
    const conditions = [
      cond('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
      cond('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
      cond('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
      runtimeError
        ? cond('Ready', 'False', 'KubeletNotReady', `container runtime is down: ${runtimeError}`)
        : cond('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
    ];
    const status: Partial<FullNodeStatus> = {
      conditions,
      addresses: [
        { type: 'InternalIP', address: this.o.nodeIP },
        { type: 'Hostname', address: this.o.nodeName },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: this.o.kubeletPort } },
    };
    const e = this.engine;
    if (e) {
      const resources = { cpu: String(e.ncpu), memory: formatMemoryKi(e.memTotalBytes), pods: '110' };
      status.capacity = resources;
      status.allocatable = { ...resources };
      status.nodeInfo = {
        kernelVersion: e.kernelVersion,
        osImage: e.operatingSystem,
        containerRuntimeVersion: `docker://${e.serverVersion}`,
        kubeletVersion: KUBELET_VERSION,
        kubeProxyVersion: KUBELET_VERSION,
        operatingSystem: e.osType,
        architecture: goArch(e.architecture),
      };
    }
    return status;
  }

  private labels(e: EngineInfo): Record<string, string> {
    const arch = goArch(e.architecture);
    return {
      'kubernetes.io/hostname': this.o.nodeName,
      'kubernetes.io/os': e.osType,
      'kubernetes.io/arch': arch,
      'beta.kubernetes.io/os': e.osType,
      'beta.kubernetes.io/arch': arch,
    };
  }
}

/** Kubernetes names architectures as Go does. */
export function goArch(engineArch: string): string {
  const map: Record<string, string> = { x86_64: 'amd64', amd64: 'amd64', aarch64: 'arm64', arm64: 'arm64', armv7l: 'arm', armhf: 'arm', i386: '386', i686: '386', ppc64le: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return map[engineArch] ?? (engineArch || 'amd64');
}
