import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Node } from '../../api/types.js';
import { memoryCluster } from '../../testing/memoryCluster.js';
import { FakeClock, isoTime } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import { FakeRuntime } from '../runtime/fake.js';
import { KUBELET_VERSION, NodeStatusManager, goArch } from './nodeStatus.js';

let clock: FakeClock;
let cluster: Awaited<ReturnType<typeof memoryCluster>>;
let runtime: FakeRuntime;
let mgr: NodeStatusManager;

beforeEach(async () => {
  clock = new FakeClock();
  cluster = await memoryCluster(clock);
  runtime = new FakeRuntime(clock);
  mgr = new NodeStatusManager({ client: cluster.client, runtime, clock, log: silentLogger, nodeName: 'lab-w1', nodeIP: '10.77.0.11', kubeletPort: 10250 });
});
afterEach(() => {
  mgr.stop();
  cluster.dispose();
});

const node = () => cluster.client.get<Node>('nodes', undefined, 'lab-w1');
const ready = (n: Node) => n.status!.conditions!.find((c) => c.type === 'Ready')!;

describe('NodeStatusManager', () => {
  it('registers the Node with labels, capacity, addresses, nodeInfo and the kubelet port', async () => {
    await mgr.register();
    const n = await node();
    expect(n.metadata.labels).toEqual({
      'kubernetes.io/hostname': 'lab-w1',
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/os': 'linux',
      'beta.kubernetes.io/arch': 'amd64',
    });
    expect(n.status!.capacity).toEqual({ cpu: '4', memory: '8388608Ki', pods: '110' });
    expect(n.status!.allocatable).toEqual(n.status!.capacity);
    expect(n.status!.addresses).toEqual([
      { type: 'InternalIP', address: '10.77.0.11' },
      { type: 'Hostname', address: 'lab-w1' },
    ]);
    // What the engine does not say (machine and boot ids) the API server writes as "", as Go encodes them.
    expect(n.status!.nodeInfo).toEqual({
      machineID: '',
      systemUUID: '',
      bootID: '',
      kernelVersion: '6.1.0-fake',
      osImage: 'Fake OS 1.0',
      containerRuntimeVersion: 'docker://27.0.0-fake',
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: KUBELET_VERSION,
      operatingSystem: 'linux',
      architecture: 'amd64',
    });
    expect((n.status as { daemonEndpoints?: unknown }).daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 10250 } });
    expect(ready(n)).toMatchObject({ status: 'True', reason: 'KubeletReady', lastHeartbeatTime: isoTime(clock.now()) });
  });

  it('refreshes lastHeartbeatTime every 10 s, keeping lastTransitionTime', async () => {
    await mgr.register();
    const t0 = isoTime(clock.now());
    mgr.start();
    await clock.advance(10_000);
    await clock.advance(10);
    let r = ready(await node());
    expect(r.lastHeartbeatTime).toBe(isoTime(clock.now() - 10));
    expect(r.lastTransitionTime).toBe(t0);
    await clock.advance(10_000);
    r = ready(await node());
    expect(Date.parse(r.lastHeartbeatTime!) - Date.parse(t0)).toBe(20_000);
  });

  it('turns Ready=False when the engine does not answer, and back', async () => {
    await mgr.register();
    runtime.down = true;
    await clock.advance(5_000);
    await mgr.heartbeat();
    expect(ready(await node())).toMatchObject({ status: 'False', reason: 'KubeletNotReady', message: expect.stringContaining('container runtime is down') });
    expect((await node()).status!.capacity?.cpu).toBe('4');
    runtime.down = false;
    await clock.advance(5_000);
    await mgr.heartbeat();
    expect(ready(await node())).toMatchObject({ status: 'True', lastTransitionTime: isoTime(clock.now()) });
  });

  it('overrides the lifecycle controller Unknown with the next heartbeat', async () => {
    await mgr.register();
    const n = await node();
    ready(n).status = 'Unknown';
    ready(n).reason = 'NodeStatusUnknown';
    await cluster.client.updateStatus('nodes', n);
    await clock.advance(10_000);
    await mgr.heartbeat();
    expect(ready(await node())).toMatchObject({ status: 'True', reason: 'KubeletReady', lastTransitionTime: isoTime(clock.now()) });
  });

  it('keeps what others set on an existing Node, and re-registers a deleted one', async () => {
    await cluster.client.create<Node>('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'lab-w1', labels: { zone: 'a' } }, spec: { unschedulable: true } });
    await mgr.register();
    let n = await node();
    expect(n.spec?.unschedulable).toBe(true);
    expect(n.metadata.labels).toMatchObject({ zone: 'a', 'kubernetes.io/hostname': 'lab-w1' });
    await cluster.client.delete('nodes', undefined, 'lab-w1');
    await mgr.heartbeat();
    n = await node();
    expect(ready(n).status).toBe('True');
  });

  it.each([
    ['x86_64', 'amd64'],
    ['aarch64', 'arm64'],
    ['armv7l', 'arm'],
    ['s390x', 's390x'],
  ])('maps engine architecture %s to %s', (a, b) => {
    expect(goArch(a)).toBe(b);
  });

  it('heartbeats again within moments of the API coming back: 500 ms, 1 s, 2 s ... after failures, then every 10 s', async () => {
    await mgr.register();
    mgr.stop();
    let down = false;
    const writes: number[] = [];
    const client = new Proxy(cluster.client, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          if (down) return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:16443'));
          if (prop === 'patch') writes.push(clock.now());
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    const m = new NodeStatusManager({ client, runtime, clock, log: silentLogger, nodeName: 'lab-w1', nodeIP: '10.77.0.11', kubeletPort: 10250 });
    const t0 = clock.now();
    m.start();
    await clock.advance(10_000);
    expect(writes.map((t) => t - t0)).toEqual([10_000]);
    // The tunnel goes away for 30 s: retries come at 500 ms, 1 s, then every 2 s.
    down = true;
    await clock.advance(10_000 + 500 + 1_000 + 2_000 * 13);
    down = false;
    const back = clock.now();
    await clock.advance(2_000);
    expect(writes).toHaveLength(2);
    expect(writes[1]! - back).toBeLessThanOrEqual(2_000);
    // Then the normal pace again.
    await clock.advance(10_000);
    expect(writes).toHaveLength(3);
    expect(writes[2]! - writes[1]!).toBe(10_000);
    m.stop();
  });
});
