import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import { resourceType } from '../api/resources.js';
import type { KubeList, KubeObject } from '../api/types.js';
import type { ListOptions } from '../client/types.js';
import { SqliteStore } from '../store/SqliteStore.js';
import { listFromStore } from './storeList.js';

const events = resourceType('events');
const PREFIX = '/registry/events/ns/';
const decode = (e: { value: string; modRevision: number }) => {
  const o = JSON.parse(e.value) as KubeObject;
  o.metadata.resourceVersion = String(e.modRevision);
  return o;
};
const event = (i: number, reason = i % 3 === 0 ? 'Three' : 'Other') =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Event', metadata: { name: name(i), namespace: 'ns', labels: { reason } }, reason });
const name = (i: number) => `e-${String(i).padStart(4, '0')}`;

async function seeded(n: number): Promise<SqliteStore> {
  const s = new SqliteStore(':memory:');
  for (let i = 0; i < n; i++) await s.create(PREFIX + name(i), event(i));
  await s.create('/registry/events/other/x', JSON.stringify({ metadata: { name: 'x', namespace: 'other' } }));
  return s;
}

const list = (s: SqliteStore, opts: ListOptions) => listFromStore(s, events, PREFIX, opts, decode);
const names = (l: KubeList) => l.items.map((o) => o.metadata.name as string);
async function status(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(e).toBeInstanceOf(ApiError);
  return e as ApiError;
}

describe('listFromStore (kinds the watch cache leaves out)', () => {
  it('pages with limit and continue at the first page’s revision while writes land between pages', async () => {
    const s = await seeded(120);
    const before = names(await list(s, {}));
    expect(before).toHaveLength(120);
    const seen: string[] = [];
    let cont: string | undefined;
    let rv = '';
    for (let page = 0; ; page++) {
      const l = await list(s, { limit: 25, continue: cont });
      if (!rv) rv = l.metadata.resourceVersion;
      expect(l.metadata.resourceVersion).toBe(rv);
      seen.push(...names(l));
      cont = l.metadata.continue;
      if (!cont) break;
      expect(l.items).toHaveLength(25);
      // Between pages: one listed and one not yet listed deleted, one changed, new ones before and after the cursor.
      await s.delete(PREFIX + name(page * 25 + 3));
      await s.delete(PREFIX + name(page * 25 + 60 < 120 ? page * 25 + 60 : 119 - page));
      await s.update(PREFIX + name(page * 25 + 40 < 120 ? page * 25 + 40 : 1), event(1, 'Changed'));
      await s.create(`${PREFIX}a-${page}`, event(9_000 + page));
      await s.create(`${PREFIX}z-${page}`, event(9_100 + page));
    }
    expect(seen).toEqual(before);
    // Now: the list has moved on.
    expect(names(await list(s, {}))).not.toEqual(before);
    s.close();
  });

  it('with a selector reads on until limit objects match, and resumes after the last one read', async () => {
    const s = await seeded(3_000);
    const want = names(await list(s, { labelSelector: 'reason=Three' }));
    expect(want).toHaveLength(1_000);
    const seen: string[] = [];
    let cont: string | undefined;
    let pages = 0;
    do {
      const l = await list(s, { labelSelector: 'reason=Three', limit: 300, continue: cont });
      seen.push(...names(l));
      cont = l.metadata.continue;
      pages++;
    } while (cont);
    expect(seen).toEqual(want);
    expect(pages).toBe(4);
    // A limit no match reaches ends without a token.
    const none = await list(s, { labelSelector: 'reason=None', limit: 10 });
    expect(none.items).toEqual([]);
    expect(none.metadata.continue).toBeUndefined();
    s.close();
  });

  it('serves resourceVersion semantics: exact, not older than, too large, too old', async () => {
    const s = await seeded(30);
    const rv = s.currentRevision();
    await s.delete(PREFIX + name(0));
    await s.create(PREFIX + name(999), event(999));
    // Exact (a legacy paged read at N is exact too): the list as it was.
    const exact = await list(s, { resourceVersion: String(rv), resourceVersionMatch: 'Exact' });
    expect(exact.metadata.resourceVersion).toBe(String(rv));
    expect(names(exact)).toContain(name(0));
    expect(names(exact)).not.toContain(name(999));
    const legacy = await list(s, { resourceVersion: String(rv), limit: 100 });
    expect(names(legacy)).toEqual(names(exact));
    // Not older than: the current list.
    const fresh = await list(s, { resourceVersion: String(rv) });
    expect(fresh.metadata.resourceVersion).toBe(String(s.currentRevision()));
    expect(names(fresh)).toContain(name(999));
    // A revision not yet written: 504 Too large resource version, as kube-apiserver answers.
    const future = await status(list(s, { resourceVersion: String(s.currentRevision() + 10) }));
    expect([future.code, future.message]).toEqual([504, `Too large resource version: ${s.currentRevision() + 10}, current: ${s.currentRevision()}`]);
    // Compacted: 410 for an exact read; a continue token gets "too old" with a token to go on at the latest revision.
    const first = await list(s, { limit: 10 });
    await s.update(PREFIX + name(5), event(5, 'Later'));
    await s.compact(s.currentRevision());
    const gone = await status(list(s, { resourceVersion: String(rv), resourceVersionMatch: 'Exact' }));
    expect([gone.code, gone.reason]).toEqual([410, 'Expired']);
    const expired = await status(list(s, { limit: 10, continue: first.metadata.continue }));
    expect([expired.code, expired.reason]).toEqual([410, 'Expired']);
    const token = (expired.toStatus().metadata as { continue?: string }).continue;
    const resumed = await list(s, { limit: 10, continue: token });
    expect(names(resumed)[0]).toBe(name(11));
    expect(resumed.metadata.resourceVersion).toBe(String(s.currentRevision()));
    // A token for another prefix or a forged one: 400.
    expect((await status(list(s, { continue: 'not-a-token' }))).code).toBe(400);
    s.close();
  });
});
