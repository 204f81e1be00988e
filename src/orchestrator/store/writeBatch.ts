import { toEntry, type KvRow, type Statements } from './statements.js';
import { StoreConflict, StoreKeyExists, StoreNotFound, type StoreEvent } from './types.js';

export type WriteJob =
  | { kind: 'create'; key: string; value: string }
  | { kind: 'update'; key: string; value: string; expected?: number }
  | { kind: 'delete'; key: string; expected?: number };

/** Running totals a batch changes: the bytes of live values, of history values, and of WAL growth. */
export interface Tally {
  live: number;
  history: number;
  written: number;
}

/**
 * One write inside a batch's transaction, at revision `rev`. Store errors (exists, not found,
 * conflict) are thrown before anything is written, so the batch goes on without it.
 * `expiresAt` is the key's lease expiry, or null.
 */
export function applyWrite(stmts: Statements, job: WriteJob, rev: number, expiresAt: number | null, tally: Tally): StoreEvent {
  const { key } = job;
  if (job.kind === 'create') {
    if (stmts.kvGet.get(key) !== undefined) throw new StoreKeyExists(key);
    stmts.insertLog.run(rev, key, job.value, rev, null, 0, 1);
    stmts.insertKv.run(key, rev, rev, expiresAt);
    const n = Buffer.byteLength(job.value);
    tally.live += n;
    tally.written += n + key.length;
    return { type: 'put', entry: { key, value: job.value, modRevision: rev, createRevision: rev }, created: true };
  }
  const row = stmts.get.get(key) as KvRow | undefined;
  if (!row) throw new StoreNotFound(key);
  const prev = toEntry(row);
  if (job.expected !== undefined && job.expected !== prev.modRevision) throw new StoreConflict(key, job.expected, prev.modRevision);
  const old = Buffer.byteLength(prev.value);
  // The previous value becomes history either way.
  tally.history += old;
  if (job.kind === 'update') {
    stmts.insertLog.run(rev, key, job.value, prev.createRevision, prev.modRevision, 0, 0);
    stmts.updateKv.run(rev, expiresAt, key);
    const n = Buffer.byteLength(job.value);
    tally.live += n - old;
    tally.written += n + key.length;
    return { type: 'put', entry: { key, value: job.value, modRevision: rev, createRevision: prev.createRevision }, prev, created: false };
  }
  stmts.insertLog.run(rev, key, null, prev.createRevision, prev.modRevision, 1, 0);
  stmts.deleteKv.run(key);
  tally.live -= old;
  tally.written += key.length;
  return { type: 'delete', entry: { ...prev, modRevision: rev }, prev, created: false };
}

export function isStoreError(e: unknown): boolean {
  return e instanceof StoreKeyExists || e instanceof StoreNotFound || e instanceof StoreConflict;
}
