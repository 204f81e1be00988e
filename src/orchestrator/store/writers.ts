import { createRequire } from 'node:module';
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { SqliteWriter, CommitResult, WriteRequest, WriterTask } from './sqliteWriter.js';
import type { WriterAnswer, WriterMessage } from './writerThread.js';

/**
 * How SqliteStore reaches its writer (sqliteWriter.ts): on the event loop's thread for `:memory:`
 * (one connection serves reads and writes), on a thread of its own for a file. One call at a time
 * from the store's commit pipeline, answered in order.
 */
export interface Writer {
  /** Applies a batch in one transaction (see SqliteWriter.commit); rejects if the transaction failed. */
  commit(batch: WriteRequest[]): Promise<CommitResult>;
  run(task: WriterTask): Promise<void>;
  /** Whether the work of `commit` and `run` holds the event loop (for the store's hold statistics). */
  readonly onLoop: boolean;
  /** Closes the writer connection before it returns (with `fsync`: the file is durable once it has). */
  close(fsync: boolean): void;
}

/** The writer on this thread. */
export class InlineWriter implements Writer {
  readonly onLoop = true;
  constructor(private readonly writer: SqliteWriter) {}

  async commit(batch: WriteRequest[]): Promise<CommitResult> {
    return this.writer.commit(batch);
  }

  async run(task: WriterTask): Promise<void> {
    this.writer.run(task);
  }

  close(fsync: boolean): void {
    this.writer.close(fsync);
  }
}

type Pending = { resolve(v: unknown): void; reject(e: unknown): void };

/** How long close() waits for the writer thread to finish what it was sent and close the file. */
const CLOSE_WAIT_MS = 60_000;

/**
 * The writer on its own thread (writerThread.ts): a batch's transaction, a checkpoint's copying and
 * a vacuum run there while the event loop goes on; only the values cross (copied). The thread
 * keeps the process alive only while it has work.
 */
export class ThreadWriter implements Writer {
  readonly onLoop = false;
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly pending = new Map<number, Pending>();
  private readonly closed = new Int32Array(new SharedArrayBuffer(4));
  private nextId = 1;
  private failure: Error | undefined;

  /** `syncWal`: the thread makes each batch durable itself (`CommitResult.synced`); otherwise the store does. */
  constructor(path: string, syncWal: boolean) {
    const here = __filename;
    const ts = here.endsWith('.ts');
    // Run from source (tests, bench), the thread loads TypeScript through tsx, as its parent does;
    // built, it requires the bundle next to this one (through `require`, which reads inside asar).
    const modulePath = join(here, '..', ts ? 'writerThread.ts' : 'storeWriterThread.js');
    const tsx = ts ? `require(${JSON.stringify(createRequire(here).resolve('tsx/cjs/api'))}).register();` : '';
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(`${tsx}require(${JSON.stringify(modulePath)})`, { eval: true, workerData: { path, closed: this.closed, port: port2, syncWal }, transferList: [port2] });
    this.worker.unref();
    this.port.on('message', (m: WriterAnswer) => this.answer(m));
    this.port.unref();
    const stopped = (why: string) => this.stop(new Error(`the datastore's writer thread ${why}`));
    this.worker.on('error', (e) => stopped(`failed: ${e.message}`));
    this.worker.on('exit', (code) => stopped(`exited (code ${code})`));
  }

  commit(batch: WriteRequest[]): Promise<CommitResult> {
    return this.send((id) => ({ id, commit: batch })) as Promise<CommitResult>;
  }

  async run(task: WriterTask): Promise<void> {
    await this.send((id) => ({ id, task }));
  }

  close(fsync: boolean): void {
    if (this.failure) return;
    this.post({ close: { fsync } });
    if (Atomics.wait(this.closed, 0, 0, CLOSE_WAIT_MS) === 'timed-out') {
      void this.worker.terminate();
      this.stop(new Error(`the datastore's writer thread did not close within ${CLOSE_WAIT_MS / 1000} s`));
      return;
    }
    // What it finished before closing is answered now: those writes are in the file.
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) this.answer(m.message as WriterAnswer);
    this.stop(new Error('the datastore is closed'));
  }

  private send(message: (id: number) => WriterMessage): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      if (this.pending.size === 1) this.port.ref();
      this.post(message(id));
    });
  }

  private post(m: WriterMessage): void {
    this.port.postMessage(m);
  }

  private answer(m: WriterAnswer): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (this.pending.size === 0) this.port.unref();
    if (m.error) p.reject(Object.assign(new Error(m.error.message), m.error.code ? { code: m.error.code } : {}));
    else p.resolve(m.result);
  }

  /** No more work: everything still waiting is rejected with `reason`. */
  private stop(reason: Error): void {
    if (this.failure) return;
    this.failure = reason;
    for (const p of this.pending.values()) p.reject(reason);
    this.pending.clear();
    this.port.close();
  }
}
