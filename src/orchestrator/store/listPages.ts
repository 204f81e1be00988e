import { nextTurn } from '../util/pacer.js';
import { lowerBound } from '../util/sorted.js';
import { toEntry, type KvRow, type LogRow, type Statements } from './statements.js';
import { StoreCompacted, type StoreEntry } from './types.js';

/** Keys per page of a list (about 10 ms of reading and decoding rows). */
const LIST_PAGE = 2_000;

/** What a paged list needs of the store: reads on its pinned reader, and how far history is compacted. */
export interface ListReader {
  read<T>(fn: () => T): Promise<T>;
  readonly stmts: Statements;
  compacted(): number;
}

/**
 * Every live key in [prefix, end) with the revision it was read at, in pages of LIST_PAGE keys with
 * a turn of the event loop between (20,000 Events in one statement held the loop ~100 ms). The
 * reader may move to a newer durable state between pages: the keys already read that changed
 * meanwhile are read again at the new state, so the result is the range exactly as at the last
 * page's revision, as one statement would have read it then.
 */
export async function listInPages(reader: ListReader, prefix: string, end: string): Promise<{ items: StoreEntry[]; revision: number }> {
  const { stmts } = reader;
  const revisionNow = () => stmts.getMeta.get('revision') as number;
  // The revision from the same snapshot as the items: a watch from it neither repeats nor misses.
  const first = await reader.read(() => ({ rows: stmts.listFrom.all(prefix, end, LIST_PAGE) as KvRow[], revision: revisionNow() }));
  const items = first.rows.map(toEntry);
  let revision = first.revision;
  let more = first.rows.length === LIST_PAGE;
  while (more) {
    await nextTurn();
    const last = (items[items.length - 1] as StoreEntry).key;
    const page = await reader.read(() => {
      const now = revisionNow();
      // History older than the compacted revision is gone: what changed cannot be told apart.
      if (now !== revision && reader.compacted() > revision) return undefined;
      const changed = now === revision ? [] : (stmts.changedKeys.all(revision, now, prefix, `${last}\0`) as string[]);
      return {
        now,
        changed: changed.map((key) => [key, stmts.get.get(key) as KvRow | undefined] as const),
        rows: stmts.listAfter.all(last, end, LIST_PAGE) as KvRow[],
      };
    });
    // Compacted past the first page meanwhile (rare: compaction keeps minutes): read it whole.
    if (!page) return reader.read(() => ({ items: (stmts.list.all(prefix, end) as KvRow[]).map(toEntry), revision: revisionNow() }));
    for (const [key, row] of page.changed) {
      const i = lowerBound(items, key, (e) => e.key);
      const here = items[i]?.key === key;
      if (row && here) items[i] = toEntry(row);
      else if (row) items.splice(i, 0, toEntry(row));
      else if (here) items.splice(i, 1);
    }
    for (const r of page.rows) items.push(toEntry(r));
    revision = page.now;
    more = page.rows.length === LIST_PAGE;
  }
  return { items, revision };
}

/** One chunk of a list (`limit`/`continue`): keys from `start`, as at `revision`. */
export interface ListChunk {
  items: StoreEntry[];
  /** The revision the chunk was read at: the one asked for, or the current one. */
  revision: number;
  /** True when keys past the last item were live at that revision. */
  more: boolean;
}

interface FirstChange {
  key: string;
  rev: number;
  prev_rev: number | null;
  created: number;
}

/**
 * Up to `limit` live keys of [start, end) as they were at `revision` (default: now), in one read, as
 * etcd serves a paged list at a fixed revision. The keys live now and unchanged since then are read
 * from the table; the keys changed since are read back from the log, each as its first change after
 * `revision` left it (its previous row, or nothing if that change created it). Throws
 * `StoreCompacted` when the log no longer reaches back to `revision`.
 */
export function listChunk(reader: ListReader, start: string, end: string, limit: number, revision?: number): Promise<ListChunk> {
  const { stmts } = reader;
  return reader.read(() => {
    const now = stmts.getMeta.get('revision') as number;
    const at = revision ?? now;
    if (at > now) throw new RangeError(`revision ${at} is newer than the store's ${now}`);
    const compacted = reader.compacted();
    if (at < compacted) throw new StoreCompacted(at, compacted);
    const changes = at === now ? [] : (stmts.firstChanges.all(at, now, start, end) as FirstChange[]);
    const changed = new Set(changes.map((c) => c.key));
    // Enough live rows that `limit + 1` unchanged ones are among them when there are that many.
    const rows = stmts.listFrom.all(start, end, limit + 1 + changed.size) as KvRow[];
    const entries = rows.filter((r) => !changed.has(r.key)).map(toEntry);
    for (const c of changes) {
      if (c.created || c.prev_rev === null) continue;
      const row = stmts.logAt.get(c.prev_rev) as LogRow | undefined;
      if (!row || row.value === null) throw new StoreCompacted(at, compacted);
      entries.push({ key: c.key, value: row.value, modRevision: row.rev, createRevision: row.create_rev });
    }
    if (changes.length) entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return { items: entries.slice(0, limit), revision: at, more: entries.length > limit };
  });
}
