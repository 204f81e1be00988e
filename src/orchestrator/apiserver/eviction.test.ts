import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PodDisruptionBudget } from '../api/policy.js';
import type { Pod } from '../api/types.js';
import { memoryCluster } from '../testing/memoryCluster.js';
import { isoTime } from '../util/clock.js';
import { silentLogger } from '../util/logger.js';
import { TokenAuthenticator } from './auth.js';
import { Authorization } from './authz/index.js';
import { createApiHandler } from './handler.js';

const ADMIN = 'admin-token-eviction-test';
let cluster: Awaited<ReturnType<typeof memoryCluster>>;
let api: Server;
let authz: Authorization;

beforeEach(async () => {
  cluster = await memoryCluster();
  const auth = await TokenAuthenticator.create(ADMIN, cluster.store);
  authz = await Authorization.create(cluster.registry.objects);
  const handler = createApiHandler({ registry: cluster.registry, clock: cluster.clock, log: silentLogger, authenticator: auth, authz, serverAddress: '127.0.0.1', dialer: { dial: () => Promise.reject(new Error('no nodes')) } });
  api = createServer(handler);
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', () => r()));
});

afterEach(async () => {
  await new Promise((r) => api.close(r));
  authz.dispose();
  cluster.dispose();
});

async function evict(name: string, body: unknown = { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } }) {
  const port = (api.address() as AddressInfo).port;
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/namespaces/default/pods/${name}/eviction`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { reason?: string; message?: string; details?: { causes?: { reason: string; message: string }[] } } };
}

async function pod(name: string, o: { ready?: boolean; phase?: 'Running' | 'Pending'; labels?: Record<string, string> } = {}): Promise<void> {
  const p = await cluster.client.create<Pod>('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: o.labels ?? { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }], nodeName: 'n1' } });
  await cluster.client.updateStatus('pods', { ...p, status: { phase: o.phase ?? 'Running', conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }] } });
}

/** A budget with the status the disruption controller would have written. */
async function budget(name: string, status: PodDisruptionBudget['status'], spec: Partial<PodDisruptionBudget['spec']> = {}): Promise<void> {
  const b = await cluster.client.create<PodDisruptionBudget>('poddisruptionbudgets', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: 'default' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } }, ...spec } });
  await cluster.client.updateStatus('poddisruptionbudgets', { ...b, status: { observedGeneration: 1, ...status } });
}

const gone = async (name: string) => {
  try {
    const p = await cluster.client.get<Pod>('pods', 'default', name);
    return !!p.metadata.deletionTimestamp;
  } catch {
    return true;
  }
};

describe('pods/eviction', () => {
  it('deletes a pod no budget covers', async () => {
    await pod('a', { labels: { app: 'other' } });
    await budget('web', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1 });
    expect((await evict('a')).status).toBe(201);
    expect(await gone('a')).toBe(true);
  });

  it('takes one disruption from the budget, then answers 429 as kubectl drain expects', async () => {
    await pod('a');
    await pod('b');
    await budget('web', { disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1 });
    expect((await evict('a')).status).toBe(201);
    expect(await gone('a')).toBe(true);
    const b = await cluster.client.get<PodDisruptionBudget>('poddisruptionbudgets', 'default', 'web');
    expect(b.status).toMatchObject({ disruptionsAllowed: 0, disruptedPods: { a: isoTime(cluster.clock.now()) } });
    const second = await evict('b');
    expect(second.status).toBe(429);
    expect(second.body).toMatchObject({ reason: 'TooManyRequests', message: "Cannot evict pod as it would violate the pod's disruption budget." });
    expect(second.body.details?.causes?.[0]).toMatchObject({ reason: 'DisruptionBudget', message: 'The disruption budget web needs 1 healthy pods and has 2 currently' });
    expect(await gone('b')).toBe(false);
  });

  it('answers 429 while the budget is not yet processed, 500 for two budgets', async () => {
    await pod('a');
    const b = await cluster.client.create<PodDisruptionBudget>('poddisruptionbudgets', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'fresh', namespace: 'default' }, spec: { minAvailable: 0, selector: { matchLabels: { app: 'web' } } } });
    const r = await evict('a');
    expect(r.status).toBe(429);
    expect(r.body.details?.causes?.[0]?.message).toBe('The disruption budget fresh is still being processed by the server.');
    await cluster.client.updateStatus('poddisruptionbudgets', { ...b, status: { observedGeneration: 1, disruptionsAllowed: 5 } });
    await budget('second', { disruptionsAllowed: 5 });
    const two = await evict('a');
    expect(two.status).toBe(500);
    expect(two.body.message).toBe('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  });

  it.each([
    ['a pending pod', { phase: 'Pending' as const }, {}],
    ['an unready pod when the budget is met (IfHealthyBudget)', { ready: false }, {}],
    ['an unready pod with AlwaysAllow', { ready: false }, { unhealthyPodEvictionPolicy: 'AlwaysAllow' as const }],
  ])('evicts %s without taking from a spent budget', async (_n, p, spec) => {
    await pod('a', p);
    await budget('web', { disruptionsAllowed: 0, currentHealthy: 1, desiredHealthy: 1 }, spec);
    expect((await evict('a')).status).toBe(201);
    expect(await gone('a')).toBe(true);
  });

  it('refuses an unready pod when the budget is not met, and a name that does not match', async () => {
    await pod('a', { ready: false });
    await budget('web', { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 1 });
    expect((await evict('a')).status).toBe(429);
    expect((await evict('a', { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'b' } })).status).toBe(400);
    expect((await evict('nope')).status).toBe(404);
  });
});
