/**
 * The datastore's writer thread (see writers.ts ThreadWriter): it owns the database's writer
 * connection and applies what the store sends, one message at a time, in order. Built as its own
 * bundle (scripts/build.mjs).
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { SqliteWriter, type WriteRequest, type WriterTask } from './sqliteWriter.js';

export type WriterMessage = { id: number; commit: WriteRequest[] } | { id: number; task: WriterTask } | { close: { fsync: boolean } };
export type WriterAnswer = { id: number; result?: unknown; error?: { message: string; code?: string } };

const { path, closed, port } = workerData as { path: string; closed: Int32Array; port: MessagePort };

let writer: SqliteWriter | undefined;
let openError: unknown;
try {
  writer = SqliteWriter.open(path);
} catch (e) {
  openError = e;
}

port.on('message', (m: WriterMessage) => {
  if ('close' in m) {
    try {
      writer?.close(m.close.fsync);
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
    const result = 'commit' in m ? writer.commit(m.commit) : writer.run(m.task);
    port.postMessage({ id: m.id, result } satisfies WriterAnswer);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    port.postMessage({ id: m.id, error: { message: err.message, code: (err as { code?: string }).code } } satisfies WriterAnswer);
  }
});
