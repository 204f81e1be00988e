import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import type { Node, Pod } from '../api/types.js';
import type { Client } from '../client/types.js';
import { memoryCluster } from '../testing/memoryCluster.js';
import { FakeClock, flush } from '../util/clock.js';
import { silentLogger } from '../util/logger.js';
import type { AgentConfig } from './config.js';
import { startAgent, type AgentHandle } from './main.js';
import { FakeRuntime } from './runtime/fake.js';

const config: AgentConfig = { server: 'https://127.0.0.1:1', token: 'tok', ca: 'PEM', nodeName: 'n1', kubeletPort: 0, dataDir: '/nonexistent', dockerSocket: '/nonexistent.sock', nodeIP: '192.0.2.9' };

let clock: FakeClock;
let cluster: Awaited<ReturnType<typeof memoryCluster>>;
let runtime: FakeRuntime;
let agent: AgentHandle | undefined;

beforeEach(async () => {
  clock = new FakeClock();
  cluster = await memoryCluster(clock);
  runtime = new FakeRuntime(clock);
  runtime.addImage('local/busybox:1');
});
afterEach(async () => {
  await agent?.dispose();
  agent = undefined;
  cluster.dispose();
});

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await flush();
    await agent?.kubelet.idle();
  }
}

describe('startAgent', () => {
  it('registers the node with the bound kubelet port, runs pods, and leaves them running on dispose', async () => {
    agent = await startAgent(config, { client: cluster.client, runtime, clock, log: silentLogger });
    await settle();
    const node = await cluster.client.get<Node>('nodes', undefined, 'n1');
    expect(agent.kubeletPort).toBeGreaterThan(0);
    expect((node.status as { daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } }).daemonEndpoints?.kubeletEndpoint?.Port).toBe(agent.kubeletPort);
    expect(node.status?.addresses?.[0]).toEqual({ type: 'InternalIP', address: '192.0.2.9' });

    await cluster.client.create<Pod>('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { nodeName: 'n1', containers: [{ name: 'main', image: 'local/busybox:1' }] } });
    await settle();
    expect((await cluster.client.get<Pod>('pods', 'default', 'p')).status?.phase).toBe('Running');
    const res = await fetch(`http://127.0.0.1:${agent.kubeletPort}/healthz`);
    expect(await res.text()).toBe('ok');

    await agent.dispose();
    agent = undefined;
    // The pod's container and its sandbox.
    expect(runtime.all().filter((c) => c.running)).toHaveLength(2);
    await expect(fetch(`http://127.0.0.1:${(node.status as { daemonEndpoints: { kubeletEndpoint: { Port: number } } }).daemonEndpoints.kubeletEndpoint.Port}/healthz`)).rejects.toThrow();
  });

  it('keeps retrying registration while the API is unreachable', async () => {
    let down = true;
    const flaky = new Proxy(cluster.client, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        return (...args: unknown[]) => {
          if (down) return Promise.reject(new ApiError(503, 'ServiceUnavailable', 'connect ECONNREFUSED'));
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as Client;
    agent = await startAgent(config, { client: flaky, runtime, clock, log: silentLogger, recorder: { record() {} } });
    await clock.advance(5_000);
    await expect(cluster.client.get('nodes', undefined, 'n1')).rejects.toMatchObject({ code: 404 });
    down = false;
    await clock.advance(35_000);
    await settle();
    const node = await cluster.client.get<Node>('nodes', undefined, 'n1');
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('fails fast when the kubelet port is taken', async () => {
    agent = await startAgent(config, { client: cluster.client, runtime, clock, log: silentLogger });
    await expect(startAgent({ ...config, kubeletPort: agent.kubeletPort }, { client: cluster.client, runtime, clock, log: silentLogger })).rejects.toThrow(/EADDRINUSE/);
  });
});
