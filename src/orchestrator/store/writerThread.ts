/**
 * The datastore's writer thread (see writers.ts ThreadWriter): it owns the database's writer
 * connection and applies what the store sends, one message at a time, in order. Built as its own
 * bundle (scripts/workerEntries.mjs).
 */
import { closeSync, fdatasyncSync, openSync } from 'node:fs';
import { readWalFrames } from './diskFiles.js';
import { workerData, type MessagePort } from 'node:worker_threads';
import { SqliteWriter, type CommitResult, type WriteRequest, type WriterTask } from './sqliteWriter.js';

export type WriterMessage = { id: number; commit: WriteRequest[] } | { id: number; task: WriterTask } | { close: { fsync: boolean } };
export type WriterAnswer = { id: number; result?: unknown; error?: { message: string; code?: string } };

const { path, closed, port, syncWal } = workerData as { path: string; closed: Int32Array; port: MessagePort; syncWal: boolean };

let writer: SqliteWriter | undefined;
let openError: unknown;
/** With `syncWal`, each committed batch is made durable here (fdatasync of the WAL), before it is answered: no second hop through the event loop for it. */
let walFd: number | undefined;
/** The -shm file, to tell the store how long the WAL is after each batch (off the event loop too). */
let shmFd: number | undefined;
try {
  writer = SqliteWriter.open(path);
  if (syncWal) {
    walFd = openSync(`${path}-wal`, 'r+');
    shmFd = openSync(`${path}-shm`, 'r');
  }
} catch (e) {
  openError = e;
}

/** Commits, then (with `syncWal`) makes the batch durable; a failed fdatasync is told in the result, the batch being written but not durable. */
function commit(w: SqliteWriter, batch: WriteRequest[]): CommitResult {
  const result = w.commit(batch);
  if (walFd === undefined) return result;
  try {
    fdatasyncSync(walFd);
    return { ...result, synced: true, walFrames: shmFd === undefined ? undefined : readWalFrames(shmFd) };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return { ...result, fsyncError: { message: err.message, code: err.code } };
  }
}

port.on('message', (m: WriterMessage) => {
  if ('close' in m) {
    try {
      writer?.close(m.close.fsync);
      if (walFd !== undefined) closeSync(walFd);
      if (shmFd !== undefined) closeSync(shmFd);
    } finally {
      // The store waits for this (Atomics.wait): its close() is synchronous.
      Atomics.store(closed, 0, 1);
      Atomics.notify(closed, 0);
      // Ends the thread; what it answered before stays queued for the store.
      port.unref();
    }
    return;
  }
  try {
    if (!writer) throw openError;
    const result = 'commit' in m ? commit(writer, m.commit) : writer.run(m.task);
    port.postMessage({ id: m.id, result } satisfies WriterAnswer);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    port.postMessage({ id: m.id, error: { message: err.message, code: (err as { code?: string }).code } } satisfies WriterAnswer);
  }
});
