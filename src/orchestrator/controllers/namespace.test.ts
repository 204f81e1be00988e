import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, isNotFound } from '../api/errors.js';
import type { Deployment } from '../api/types.js';
import { controllerFixture, type ControllerFixture } from './testkit.js';

describe('namespace controller', () => {
  let f: ControllerFixture;
  beforeEach(async () => {
    f = await controllerFixture({ namespace: { recheckMs: 1_000 } });
    await f.addNode('node-a');
  });
  afterEach(async () => {
    await f.dispose();
  });

  it('deletes everything in a terminating namespace, then the namespace', async () => {
    await f.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    const d: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'team' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'x:1' }] } } },
    };
    await f.client.create('deployments', d);
    await f.client.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'team' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    await f.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'team' }, data: { a: 'b' } });
    await f.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'stays', namespace: 'default' }, data: {} });
    await f.settle();
    await f.readyAllPods();
    await f.settle();
    expect(await f.pods('team')).toHaveLength(2);
    expect(await f.list('endpoints', 'team')).toHaveLength(1);

    await f.client.delete('namespaces', undefined, 'team');
    await f.settle();
    // Bound pods terminate gracefully; until their agent finishes, the namespace stays Terminating.
    const ns = await f.client.get('namespaces', undefined, 'team');
    expect((ns.status as { phase?: string }).phase).toBe('Terminating');
    for (const r of ['deployments', 'replicasets', 'services', 'endpoints', 'configmaps']) expect(await f.list(r, 'team')).toEqual([]);
    expect((await f.pods('team')).every((p) => p.metadata.deletionTimestamp)).toBe(true);
    await expect(f.client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'late', namespace: 'team' } })).rejects.toSatisfy((e) => e instanceof ApiError && e.code === 403);

    await f.finishTerminating();
    await f.advance(1_000);
    await expect(f.client.get('namespaces', undefined, 'team')).rejects.toSatisfy(isNotFound);
    expect((await f.list('configmaps', 'default')).map((c) => c.metadata.name)).toEqual(['stays']);
  });

  it('removes an empty namespace at once', async () => {
    await f.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'empty' } });
    await f.client.delete('namespaces', undefined, 'empty');
    await f.settle();
    await expect(f.client.get('namespaces', undefined, 'empty')).rejects.toSatisfy(isNotFound);
  });
});
