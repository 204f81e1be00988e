import { nextTurn } from '../util/pacer.js';
import { lowerBound } from '../util/sorted.js';
import { toEntry, type KvRow, type Statements } from './statements.js';
import type { StoreEntry } from './types.js';

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
