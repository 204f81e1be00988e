import { afterEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types.js';
import { memoryCluster } from '../testing/memoryCluster.js';
import { storeObjects } from './objects.js';

const cm = (name: string, v: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { v } } as KubeObject);

describe('ObjectReader: the API server’s own readers of objects', () => {
  let c: Awaited<ReturnType<typeof memoryCluster>>;
  afterEach(() => c?.dispose());

  it('follows the watch cache: the current objects, then each change before its writer hears back', async () => {
    c = await memoryCluster();
    await c.client.create('configmaps', cm('a', '1'));
    const seen: string[] = [];
    const held = new Map<string, KubeObject>();
    const sub = await c.registry.objects.follow(
      '/registry/configmaps/default/',
      (k, o) => {
        held.set(k, o);
        seen.push(`put ${o.metadata.name}=${(o as KubeObject & { data: { v: string } }).data.v}`);
      },
      (k) => {
        held.delete(k);
        seen.push(`remove ${k}`);
      },
    );
    expect(seen).toEqual(['put a=1']);
    // Told synchronously with the write's fan-out: the change is there as soon as the write resolves.
    await c.client.create('configmaps', cm('b', '2'));
    expect(seen).toEqual(['put a=1', 'put b=2']);
    await c.client.delete('configmaps', 'default', 'a');
    expect(seen.at(-1)).toBe('remove /registry/configmaps/default/a');
    // The cache's own objects, decoded once and frozen: a reader that tries to change one is stopped.
    const b = held.get('/registry/configmaps/default/b') as KubeObject;
    expect(Object.isFrozen(b)).toBe(true);
    expect(b.metadata.resourceVersion).toMatch(/^\d+$/);
    expect(() => {
      (b.metadata as { name: string }).name = 'changed';
    }).toThrow(TypeError);
    // Another prefix is not followed; nothing after dispose.
    await c.client.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' } } as KubeObject);
    sub.dispose();
    await c.client.create('configmaps', cm('c', '3'));
    expect(seen).toHaveLength(3);
  });

  it('gets and lists what every acknowledged write left, from the cache or (Events) the store', async () => {
    c = await memoryCluster();
    await c.client.create('configmaps', cm('x', '1'));
    await c.client.update('configmaps', { ...(await c.client.get<KubeObject>('configmaps', 'default', 'x')), data: { v: '2' } } as KubeObject);
    const got = (await c.registry.objects.get('/registry/configmaps/default/x')) as KubeObject & { data: { v: string } };
    expect(got.data.v).toBe('2');
    expect(Object.isFrozen(got)).toBe(true);
    expect(await c.registry.objects.get('/registry/configmaps/default/none')).toBeUndefined();
    await c.client.create('events', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'R', message: 'm' } as KubeObject);
    const events = await c.registry.objects.list('/registry/events/default/');
    expect(events.map((e) => e.metadata.name)).toEqual(['e']);
    expect(Object.isFrozen(events[0])).toBe(false);
    expect((await c.registry.objects.list('/registry/configmaps/')).map((o) => o.metadata.name)).toContain('x');
  });

  it('from the store: watches before it lists, so a write in between is not missed', async () => {
    c = await memoryCluster();
    await c.client.create('configmaps', cm('before', '1'));
    const names: string[] = [];
    const following = storeObjects(c.store).follow('/registry/configmaps/', (_k, o) => names.push(o.metadata.name as string), () => {});
    // Lands while the follow lists.
    const during = c.client.create('configmaps', cm('during', '1'));
    await following;
    await during;
    expect(names.sort()).toEqual(['before', 'during']);
  });
});
