import { apiVersionOf, type ResourceType } from '../api/resources.js';
import { matches, matchesFields, parseFieldSelector, parseLabelSelector } from '../api/selectors.js';
import type { KubeList, KubeObject } from '../api/types.js';
import type { ListOptions } from '../client/types.js';
import { StoreCompacted, type Store, type StoreEntry } from '../store/types.js';
import { pacer } from '../util/pacer.js';
import { encodeContinue } from './cacher/continueToken.js';
import { planRead, tooLarge, tooOld } from './cacher/readPlan.js';

/** Keys read per chunk when the client sets no `limit` (about 10 ms of reading and decoding). */
const CHUNK = 2_000;

/**
 * A LIST of a kind the watch cache leaves out (Events), read from the store as kube-apiserver reads
 * etcd: every `resourceVersion` semantics, and `limit`/`continue` paging at the revision of the first
 * page (`kubectl get events` asks 500 at a time). The store is read in chunks at that one revision
 * and decoded with turns of the event loop between, so 20,000 Events never hold it for long. With
 * selectors, chunks are read until `limit` objects match or the range ends; the continue token then
 * resumes after the last object read.
 */
export async function listFromStore<T extends KubeObject>(store: Store, r: ResourceType, prefix: string, opts: ListOptions, decode: (e: StoreEntry) => T): Promise<KubeList<T>> {
  const plan = planRead(opts, prefix);
  const current = store.currentRevision();
  const c = plan.consistency;
  // The revision this list is pinned to; undefined: the store's current one, fixed by the first chunk.
  let pinned: number | undefined;
  if (c.kind === 'exact') pinned = c.rv;
  else if (c.kind === 'notOlderThan' && c.rv > current) throw tooLarge(c.rv, current);
  if (pinned !== undefined && pinned > current) throw tooLarge(pinned, current);

  const labels = parseLabelSelector(opts.labelSelector);
  const fields = parseFieldSelector(opts.fieldSelector);
  const selective = labels.length > 0 || fields.length > 0;
  const limit = plan.limit ?? Infinity;
  const pace = pacer(10);
  for (let attempt = 0; ; attempt++) {
    const items: T[] = [];
    let start = plan.startKey;
    let revision = pinned;
    let chunk = Math.min(limit, CHUNK);
    let lastKey = '';
    let more = false;
    try {
      for (;;) {
        const page = await store.listChunk(prefix, { start, limit: chunk, revision });
        revision = page.revision;
        let i = 0;
        for (; i < page.items.length && items.length < limit; i++) {
          if ((i & 127) === 127) await pace();
          const entry = page.items[i] as StoreEntry;
          const o = decode(entry);
          lastKey = entry.key;
          if (!selective || (matches(labels, o.metadata.labels) && matchesFields(fields, o))) items.push(o);
        }
        if (items.length >= limit) {
          more = i < page.items.length || page.more;
          break;
        }
        if (!page.more) break;
        start = `${lastKey}\0`;
        // Few matches per chunk: read bigger ones (kube-apiserver doubles its etcd page the same way).
        chunk = Math.min(chunk * 2, CHUNK);
        await pace();
      }
    } catch (e) {
      if (!(e instanceof StoreCompacted)) throw e;
      // A revision the client named (a version, a continue token) is gone: 410. One this list chose
      // itself was compacted while it read (compaction keeps minutes: rare): read it again, now.
      if (pinned !== undefined || attempt > 0) throw tooOld(plan, prefix, pinned ?? revision ?? current, store.compactedRevision());
      continue;
    }
    const list: KubeList<T> = { apiVersion: apiVersionOf(r), kind: `${r.kind}List`, metadata: { resourceVersion: String(revision) }, items };
    if (more) list.metadata.continue = encodeContinue(lastKey, prefix, revision as number);
    return list;
  }
}
