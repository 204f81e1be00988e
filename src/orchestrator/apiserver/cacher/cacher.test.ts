import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import type { KubeList, KubeObject, Status, WatchEvent } from '../../api/types.js';
import { LocalClient } from '../../client/LocalClient.js';
import type { ListOptions } from '../../client/types.js';
import { SqliteStore } from '../../store/SqliteStore.js';
import { FakeClock, flush } from '../../util/clock.js';
import { Registry } from '../registry.js';
import { EVENTS_PER_TURN } from './cacheWatcher.js';
import type { WatchCacheOptions } from './index.js';

const cm = (name: string, labels: Record<string, string> = {}, ns = 'default'): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data: { v: '0' } });

function cluster(watchCache: WatchCacheOptions = {}) {
  const clock = new FakeClock();
  const store = new SqliteStore(':memory:');
  const registry = new Registry(store, clock, { watchCache });
  const client = new LocalClient(registry);
  return { clock, store, registry, client };
}
type C = ReturnType<typeof cluster>;

async function boot(c: C, namespaces = ['default', 'other']): Promise<void> {
  for (const name of namespaces) await c.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
}

async function failure(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

/** What the store holds under a prefix, as `name@resourceVersion` in key order. */
async function storeState(c: C, prefix = '/registry/configmaps/'): Promise<string[]> {
  return (await c.store.list(prefix)).items.map((e) => `${(JSON.parse(e.value) as KubeObject).metadata.name}@${e.modRevision}`);
}
const names = (l: KubeList) => l.items.map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`);

/** Every page of a list, following continue tokens. */
async function allPages(c: C, opts: ListOptions, between?: (page: number) => Promise<void>): Promise<{ items: KubeObject[]; rv: string[]; pages: number }> {
  const items: KubeObject[] = [];
  const rv: string[] = [];
  let cont: string | undefined;
  let pages = 0;
  do {
    const l = await c.client.list('configmaps', { ...opts, continue: cont });
    items.push(...l.items);
    rv.push(l.metadata.resourceVersion);
    cont = l.metadata.continue;
    pages++;
    if (cont && between) await between(pages);
  } while (cont);
  return { items, rv, pages };
}

describe('watch cache', () => {
  let c: C;
  afterEach(() => {
    c.registry.dispose();
    c.store.close();
  });

  it('relies on the Store contract: a watch handler has seen every acknowledged write', async () => {
    c = cluster();
    let seen = 0;
    c.store.watch('/x/', c.store.currentRevision(), (e) => (seen = e.entry.modRevision));
    for (let i = 0; i < 20; i++) {
      const e = await c.store.create(`/x/${i}`, '{}');
      expect(seen).toBe(e.modRevision);
      expect(c.store.currentRevision()).toBe(seen);
    }
  });

  it('lists exactly what the store holds, at the store revision, under interleaved writes', async () => {
    c = cluster();
    await boot(c);
    // A deterministic mix of creates, updates and deletes; after each step a consistent list must equal the store.
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
    const live = new Set<string>();
    for (let step = 0; step < 300; step++) {
      const ops: Promise<unknown>[] = [];
      // Several writes to different objects in flight at once, as concurrent clients make them.
      const picked = new Set<string>();
      for (let k = 0; k < 3; k++) {
        const n = `cm-${rand(40)}`;
        if (picked.has(n)) continue;
        picked.add(n);
        if (!live.has(n)) {
          live.add(n);
          ops.push(c.client.create('configmaps', cm(n, { step: String(step % 3) })));
        } else if (rand(3) === 0) {
          live.delete(n);
          ops.push(c.client.delete('configmaps', 'default', n));
        } else {
          ops.push(c.client.patch('configmaps', 'default', n, 'merge', { data: { v: String(step) } }));
        }
      }
      const listed = c.client.list('configmaps', {});
      await Promise.all(ops);
      const l = await listed;
      expect(Number(l.metadata.resourceVersion)).toBeLessThanOrEqual(c.store.currentRevision());
      const now = await c.client.list('configmaps', {});
      expect(now.metadata.resourceVersion).toBe(String(c.store.currentRevision()));
      expect(names(now)).toEqual(await storeState(c));
    }
  });

  it('pages with limit/continue at the first page’s revision, whatever is written between pages', async () => {
    c = cluster();
    await boot(c);
    for (let i = 0; i < 25; i++) await c.client.create('configmaps', cm(`a-${String(i).padStart(2, '0')}`));
    const before = await storeState(c);
    const first = await c.client.list('configmaps', { limit: 10 });
    expect(first.items).toHaveLength(10);
    expect(first.metadata.remainingItemCount).toBe(15);
    // The token is kube-apiserver's: base64url JSON {v, rv, start} with the last key + NUL.
    const token = JSON.parse(Buffer.from(first.metadata.continue ?? '', 'base64url').toString()) as { v: string; rv: number; start: string };
    expect(token).toEqual({ v: 'meta.k8s.io/v1', rv: Number(first.metadata.resourceVersion), start: 'default/a-09\u0000' });
    const pages = await allPages(c, { limit: 10 }, async (page) => {
      // Writes between pages: a new item before and after the cursor, an update and a delete.
      await c.client.create('configmaps', cm(`a-00x-${page}`));
      await c.client.create('configmaps', cm(`z-${page}`));
      await c.client.patch('configmaps', 'default', 'a-20', 'merge', { data: { v: String(page) } });
      if (page === 1) await c.client.delete('configmaps', 'default', 'a-15');
    });
    expect(pages.pages).toBe(3);
    expect(new Set(pages.rv).size).toBe(1);
    expect(pages.items.map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`)).toEqual(before);
    // The namespace is part of the key: a namespaced list pages within it.
    await c.client.create('configmaps', cm('b', {}, 'other'));
    const ns = await c.client.list('configmaps', { namespace: 'other', limit: 1 });
    expect(names(ns)).toEqual([expect.stringMatching(/^b@/)]);
    expect(ns.metadata.continue).toBeUndefined();
  });

  it('pages selections: a continue token only while more items match, no remainingItemCount', async () => {
    c = cluster();
    await boot(c);
    for (let i = 0; i < 30; i++) await c.client.create('configmaps', cm(`s-${String(i).padStart(2, '0')}`, { odd: String(i % 2) }));
    const p1 = await c.client.list('configmaps', { labelSelector: 'odd=1', limit: 10 });
    expect(p1.items.map((o) => o.metadata.labels?.odd)).toEqual(Array(10).fill('1'));
    expect(p1.metadata.remainingItemCount).toBeUndefined();
    const p2 = await c.client.list('configmaps', { labelSelector: 'odd=1', limit: 10, continue: p1.metadata.continue });
    expect(p2.items).toHaveLength(5);
    expect(p2.metadata.continue).toBeUndefined();
    const byField = await c.client.list('configmaps', { fieldSelector: 'metadata.name=s-07', limit: 1 });
    expect(names(byField)).toEqual([expect.stringMatching(/^s-07@/)]);
    expect(byField.metadata.continue).toBeUndefined();
  });

  it('refuses malformed continue tokens and forbidden option combinations as kube-apiserver does', async () => {
    c = cluster();
    await boot(c);
    await c.client.create('configmaps', cm('x'));
    const l = await c.client.list('configmaps', { limit: 1 });
    const tok = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const bad = [
      ['!!!', 'invalid continue token'],
      [tok({ v: 'meta.k8s.io/v2', rv: 1, start: 'a' }), 'server does not recognize this encoded version'],
      [tok({ v: 'meta.k8s.io/v1', rv: 0, start: 'a' }), 'incorrect encoded start resourceVersion'],
      [tok({ v: 'meta.k8s.io/v1', rv: 1, start: '' }), 'encoded start key empty'],
      [tok({ v: 'meta.k8s.io/v1', rv: 1, start: '../secrets/x' }), 'continue key is not valid'],
      [tok({ v: 'meta.k8s.io/v1', rv: 1, start: 'default/../../secrets' }), 'continue key is not valid'],
    ];
    for (const [t, msg] of bad) {
      const e = await failure(c.client.list('configmaps', { continue: t }));
      expect(e.code).toBe(400);
      expect(e.message).toContain(msg);
    }
    expect((await failure(c.client.list('configmaps', { continue: tok({ v: 'meta.k8s.io/v1', rv: 5, start: 'x' }), resourceVersion: '3' }))).message).toBe(
      'specifying resource version is not allowed when using continue',
    );
    const invalid = await failure(c.client.list('configmaps', { resourceVersionMatch: 'Exact' }));
    expect(invalid.code).toBe(422);
    expect(invalid.message).toBe('ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');
    expect((await failure(c.client.list('configmaps', { resourceVersion: '0', resourceVersionMatch: 'Exact' }))).message).toContain('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
    expect((await failure(c.client.list('configmaps', { resourceVersion: '1', resourceVersionMatch: 'Newest' as 'Exact' }))).message).toContain('Unsupported value: "Newest"');
    expect((await failure(c.client.list('configmaps', { continue: l.metadata.continue ?? 'x', resourceVersion: '1', resourceVersionMatch: 'NotOlderThan' }))).message).toContain(
      'resourceVersionMatch is forbidden when continue is provided',
    );
    expect((await failure(c.client.list('configmaps', { resourceVersion: 'abc' }))).code).toBe(400);
  });

  it('reads at an exact past revision, waits for a future one and then says it is too large', async () => {
    c = cluster();
    await boot(c);
    const a = await c.client.create('configmaps', cm('a'));
    await c.client.patch('configmaps', 'default', 'a', 'merge', { data: { v: '1' } });
    await c.client.create('configmaps', cm('b'));
    const exact = await c.client.list('configmaps', { resourceVersion: a.metadata.resourceVersion, resourceVersionMatch: 'Exact' });
    expect(names(exact)).toEqual([`a@${a.metadata.resourceVersion}`]);
    expect(exact.metadata.resourceVersion).toBe(a.metadata.resourceVersion);
    // Legacy: a paged list at N without a match is exact too.
    expect(names(await c.client.list('configmaps', { resourceVersion: a.metadata.resourceVersion, limit: 5 }))).toEqual([`a@${a.metadata.resourceVersion}`]);
    // NotOlderThan: the latest state.
    expect((await c.client.list('configmaps', { resourceVersion: a.metadata.resourceVersion })).items).toHaveLength(2);
    // A future revision: the read waits, and is served once a write reaches it.
    const future = String(c.store.currentRevision() + 1);
    const waiting = c.client.list('configmaps', { resourceVersion: future });
    await c.client.create('configmaps', cm('c'));
    expect((await waiting).items).toHaveLength(3);
    const tooFar = failure(c.client.list('configmaps', { resourceVersion: String(c.store.currentRevision() + 5) }));
    await c.clock.advance(3_000);
    const e = await tooFar;
    expect(e.code).toBe(504);
    expect(e.message).toMatch(/^Too large resource version: \d+, current: \d+$/);
    expect(e.details?.causes?.[0]?.reason).toBe('ResourceVersionTooLarge');
  });

  it('answers a continue token older than the history with 410 and a token that finishes the list', async () => {
    c = cluster({ freshMs: 1_000, minEvents: 0 });
    await boot(c);
    for (let i = 0; i < 6; i++) await c.client.create('configmaps', cm(`o-${i}`));
    const p1 = await c.client.list('configmaps', { limit: 2 });
    await c.client.delete('configmaps', 'default', 'o-5');
    await c.client.create('configmaps', cm('o-6'));
    // Within the history the next page is still consistent.
    expect(names(await c.client.list('configmaps', { limit: 10, continue: p1.metadata.continue }))).toHaveLength(4);
    await c.clock.advance(10_000);
    const e = await failure(c.client.list('configmaps', { limit: 2, continue: p1.metadata.continue }));
    expect(e.code).toBe(410);
    expect(e.reason).toBe('Expired');
    expect(e.message).toMatch(/^The provided continue parameter is too old to display a consistent list result\./);
    const status = e.toStatus() as Status & { metadata: { continue?: string } };
    expect(status.metadata.continue).toBeTruthy();
    // The inconsistent remainder: from the same place, at the latest revision.
    const rest = await allPagesFrom(c, status.metadata.continue ?? '');
    expect(rest).toEqual(['o-2', 'o-3', 'o-4', 'o-6']);
    const exact = await failure(c.client.list('configmaps', { resourceVersion: p1.metadata.resourceVersion, resourceVersionMatch: 'Exact' }));
    expect(exact.code).toBe(410);
  });

  it('hands out frozen objects: a reader cannot change what every other reader sees', async () => {
    c = cluster();
    await boot(c);
    await c.client.create('configmaps', cm('f', { a: 'b' }));
    const l = await c.client.list('configmaps', {});
    const o = l.items[0] as KubeObject;
    expect(() => {
      (o.metadata.labels as Record<string, string>).a = 'changed';
    }).toThrow(TypeError);
    expect((await c.client.list('configmaps', {})).items[0]).toBe(o);
  });

  it('watches from a list’s resourceVersion: every later write once, in order, even while a backlog drains', async () => {
    c = cluster();
    await boot(c);
    for (let i = 0; i < EVENTS_PER_TURN * 2 + 10; i++) await c.client.create('configmaps', cm(`w-${i}`));
    const l = await c.client.list('configmaps', {});
    const fromList: string[] = [];
    const fromZero: WatchEvent[] = [];
    const w1 = c.client.watch('configmaps', { resourceVersion: l.metadata.resourceVersion }, (e) => fromList.push(`${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion}`));
    const w0 = c.client.watch('configmaps', {}, (e) => fromZero.push(e));
    await flush();
    const expected: string[] = [];
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const o = await c.client.create('configmaps', cm(`n-${i}`));
        expected.push(`ADDED n-${i} ${o.metadata.resourceVersion}`);
      }),
    );
    for (let i = 0; i < 50; i++) {
      const o = await c.client.delete('configmaps', 'default', `w-${i}`);
      expected.push(`DELETED w-${i} ${o?.metadata.resourceVersion}`);
    }
    for (let i = 0; i < 20; i++) await flush();
    expected.sort((a, b) => Number(a.split(' ')[2]) - Number(b.split(' ')[2]));
    expect(fromList).toEqual(expected);
    // From no version: the current objects as ADDED (in turns of EVENTS_PER_TURN), then every change after.
    const adds = fromZero.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.name);
    expect(adds.slice(0, l.items.length)).toEqual(l.items.map((o) => o.metadata.name));
    expect(fromZero.filter((e) => e.type === 'DELETED')).toHaveLength(50);
    const revs = fromZero.slice(l.items.length).map((e) => Number(e.object.metadata.resourceVersion));
    expect(revs).toEqual([...revs].sort((a, b) => a - b));
    w1.dispose();
    w0.dispose();
  });

  it('serves a watch older than its history from the store log, and 410 before the registry started', async () => {
    c = cluster({ freshMs: 1_000, minEvents: 0 });
    await boot(c);
    const a = await c.client.create('configmaps', cm('h-a'));
    await c.client.list('configmaps', {});
    await c.client.create('configmaps', cm('h-b'));
    await c.client.patch('configmaps', 'default', 'h-a', 'merge', { data: { v: '2' } });
    await c.clock.advance(10_000);
    const cacher = await c.registry.caches.ready((await import('../../api/resources.js')).resourceType('configmaps'));
    expect(cacher.cache.floor).toBeGreaterThan(Number(a.metadata.resourceVersion));
    const seen: string[] = [];
    const w = c.client.watch('configmaps', { resourceVersion: a.metadata.resourceVersion }, (e) => seen.push(`${e.type} ${e.object.metadata.name}`));
    await flush();
    expect(seen).toEqual(['ADDED h-b', 'MODIFIED h-a']);
    w.dispose();
    // A registry started later: versions from before its start are 410, as after a restart.
    const later = new Registry(c.store, c.clock);
    const events: WatchEvent[] = [];
    await later.watch('configmaps', { resourceVersion: a.metadata.resourceVersion }, (e) => events.push(e));
    expect(events[0]?.type).toBe('ERROR');
    expect((events[0]?.object as unknown as Status).code).toBe(410);
    later.dispose();
  });

  it('can be turned off: the same answers from the store', async () => {
    c = cluster({ enabled: false });
    await boot(c);
    await c.client.create('configmaps', cm('off'));
    const l = await c.client.list('configmaps', { limit: 1 });
    expect(names(l)).toEqual([expect.stringMatching(/^off@/)]);
    expect(Object.isFrozen(l.items[0])).toBe(false);
  });
});

async function allPagesFrom(c: C, token: string): Promise<string[]> {
  const out: string[] = [];
  let cont: string | undefined = token;
  while (cont) {
    const l: KubeList = await c.client.list('configmaps', { limit: 2, continue: cont });
    out.push(...l.items.map((o) => o.metadata.name ?? ''));
    cont = l.metadata.continue;
  }
  return out;
}
