import type { Disposable } from '../util/disposable.js';
/**
 * The datastore contract: an MVCC key-value log in the manner of etcd (and of k3s's kine on SQLite).
 *
 * - Every successful write (create, update, delete) bumps one cluster-wide monotonic `revision`; that
 *   number is the object's `resourceVersion`.
 * - `update` and `delete` take the revision the caller last saw and fail with `StoreConflict` when
 *   the key has moved on (compare-and-swap).
 * - `watch(prefix, fromRevision)` delivers every change with a revision greater than `fromRevision`,
 *   in revision order, exactly once, then follows live changes. Replay and live delivery have no gap
 *   and no overlap.
 * - `compact(revision)` drops history at or below `revision`; a later watch from an older revision
 *   fails with `StoreCompacted` (the API answers 410 Gone / Expired).
 * - A write is acknowledged only after it is durable: it survives `kill -9` of the process.
 */
export interface Store {
  /** The revision of the latest write (0 for an empty store). */
  currentRevision(): number;
  /** The oldest revision a watch may still start from (exclusive): anything older was compacted. */
  compactedRevision(): number;
  get(key: string): Promise<StoreEntry | undefined>;
  /** All live keys starting with `prefix`, in key order, read at one revision. */
  list(prefix: string): Promise<{ items: StoreEntry[]; revision: number }>;
  /**
   * Up to `limit` live keys under `prefix` from `start` (inclusive, default the prefix) in key order,
   * as they were at `revision` (default: now), and whether more follow: one chunk of a paged list.
   * Throws `StoreCompacted` when history no longer reaches `revision`.
   */
  listChunk(prefix: string, opts: { start?: string; limit: number; revision?: number }): Promise<{ items: StoreEntry[]; revision: number; more: boolean }>;
  count(prefix: string): Promise<number>;
  /** Fails with `StoreKeyExists` when the key is live. */
  create(key: string, value: string): Promise<StoreEntry>;
  /** Fails with `StoreNotFound` when the key is not live, `StoreConflict` when `expectedRevision` is stale. */
  update(key: string, value: string, expectedRevision?: number): Promise<StoreEntry>;
  /** Fails with `StoreNotFound` / `StoreConflict` as `update`. Returns the deleted entry at the delete's revision. */
  delete(key: string, expectedRevision?: number): Promise<StoreEntry>;
  /**
   * Subscribes to changes under `prefix` after `fromRevision`. Throws `StoreCompacted` synchronously
   * when `fromRevision` is older than the compacted revision. The handler is called synchronously
   * with each event; it must not throw and must not block.
   */
  watch(prefix: string, fromRevision: number, handler: (event: StoreEvent) => void): Disposable;
  /** Drops history at or below `revision` (never the live value of a key). */
  compact(revision: number): Promise<void>;
  /** Why the store can serve no more writes (closed, a failed fsync), or undefined while it can: the API's `etcd` health check. */
  health(): string | undefined;
  close(): void;
}

export interface StoreEntry {
  key: string;
  value: string;
  /** The revision that last wrote this key (`resourceVersion`). */
  modRevision: number;
  createRevision: number;
}

export interface StoreEvent {
  type: 'put' | 'delete';
  /** For `put`, the new value; for `delete`, the last value. */
  entry: StoreEntry;
  /** The value before this change, when the store still has it (absent on create). */
  prev?: StoreEntry;
  /** True when this put created the key. */
  created: boolean;
}

export class StoreKeyExists extends Error {
  constructor(readonly key: string) {
    super(`key exists: ${key}`);
  }
}
export class StoreNotFound extends Error {
  constructor(readonly key: string) {
    super(`key not found: ${key}`);
  }
}
export class StoreConflict extends Error {
  constructor(readonly key: string, readonly expected: number, readonly actual: number) {
    super(`revision conflict on ${key}: expected ${expected}, have ${actual}`);
  }
}
export class StoreCompacted extends Error {
  constructor(readonly requested: number, readonly compacted: number) {
    super(`required revision ${requested} has been compacted (oldest available is ${compacted + 1})`);
  }
}
