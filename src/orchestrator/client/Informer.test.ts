import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types.js';
import { memoryCluster } from '../testing/memoryCluster.js';
import { flush } from '../util/clock.js';
import { silentLogger } from '../util/logger.js';
import { Informer } from './Informer.js';

const cm = (name: string, ns = 'default', labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels } });

describe('Informer', () => {
  let c: Awaited<ReturnType<typeof memoryCluster>>;
  beforeEach(async () => {
    c = await memoryCluster();
    await c.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
  });
  afterEach(() => c.dispose());

  it('lists, then follows changes, calling handlers in order', async () => {
    await c.client.create('configmaps', cm('a'));
    const inf = new Informer(c.client, 'configmaps', c.clock, silentLogger);
    const seen: string[] = [];
    inf.addHandlers({ onAdd: (o) => seen.push(`add ${o.metadata.name}`), onUpdate: (_o, n) => seen.push(`update ${n.metadata.name}`), onDelete: (o) => seen.push(`delete ${o.metadata.name}`) });
    inf.start();
    await inf.waitForSync();
    await c.client.create('configmaps', cm('b'));
    await c.client.patch('configmaps', 'default', 'a', 'merge', { data: { k: 'v' } });
    await c.client.delete('configmaps', 'default', 'b');
    await flush();
    expect(seen).toEqual(['add a', 'add b', 'update a', 'delete b']);
    expect(inf.keys()).toEqual(['default/a']);
    inf.stop();
  });

  it('keeps its indexes in step with the cache', async () => {
    const inf = new Informer(c.client, 'configmaps', c.clock, silentLogger);
    inf.addIndex('app', (o) => (o.metadata.labels?.app ? [o.metadata.labels.app] : []));
    inf.start();
    await inf.waitForSync();
    await c.client.create('configmaps', cm('a', 'default', { app: 'web' }));
    await c.client.create('configmaps', cm('b', 'other', { app: 'web' }));
    await c.client.create('configmaps', cm('c', 'other', { app: 'db' }));
    await flush();
    const names = (xs: KubeObject[]) => xs.map((x) => x.metadata.name).sort();
    expect(names(inf.byIndex('namespace', 'other'))).toEqual(['b', 'c']);
    expect(names(inf.byIndex('app', 'web'))).toEqual(['a', 'b']);
    await c.client.patch('configmaps', 'other', 'b', 'merge', { metadata: { labels: { app: 'db' } } });
    await c.client.delete('configmaps', 'default', 'a');
    await flush();
    expect(names(inf.byIndex('app', 'web'))).toEqual([]);
    expect(names(inf.byIndex('app', 'db'))).toEqual(['b', 'c']);
    expect(names(inf.byIndex('namespace', 'default'))).toEqual([]);
    inf.stop();
  });

  it('reconciles a stale cache on relist (as after a 410): vanished objects become deletes, new ones adds', async () => {
    await c.client.create('configmaps', cm('a'));
    const inf = new Informer(c.client, 'configmaps', c.clock, silentLogger);
    const seen: string[] = [];
    inf.addHandlers({ onAdd: (o) => seen.push(`add ${o.metadata.name}`), onDelete: (o) => seen.push(`delete ${o.metadata.name}`) });
    inf.start();
    await inf.waitForSync();
    inf.stop();
    // While it is away: a is deleted, b created, and history is compacted past its version.
    // The new informer starts from the stale cache the old one had.
    await c.client.delete('configmaps', 'default', 'a');
    await c.client.create('configmaps', cm('b'));
    await c.store.compact(c.store.currentRevision());
    const again = new Informer(c.client, 'configmaps', c.clock, silentLogger);
    (again as unknown as { cache: Map<string, KubeObject> }).cache.set('default/a', cm('a'));
    again.addHandlers({ onAdd: (o) => seen.push(`add ${o.metadata.name}`), onDelete: (o) => seen.push(`delete ${o.metadata.name}`) });
    again.start();
    await again.waitForSync();
    expect(again.keys()).toEqual(['default/b']);
    expect(seen).toEqual(['add a', 'add b', 'delete a']);
    again.stop();
  });
});
