import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { ApiError, errors, type StatusReason } from '../api/errors.js';
import { systemClock, type Clock } from '../util/clock.js';
import { nextTurn } from '../util/pacer.js';
import { MAX_DEPTH } from './bodyShape.js';
import { decodeBodySync, NEEDS_YAML, type BodyKind } from './bodyDecode.js';
import type { DecodeAnswer, DecodeJob } from './bodyDecodeWorker.js';

/**
 * How long one body may take to decode on a worker before it is refused (the worker is ended): a
 * guard against YAML the library handles superlinearly, well within the 60 s request timeout. Wall
 * time, so it is generous: at a load average of 30 on 2 cores a 30,000-key YAML body (0.6 MB) took
 * over 10 s and was refused with the former 10 s bound.
 */
export const DECODE_TIMEOUT_MS = 30_000;

/**
 * Bodies this big or bigger are decoded on a worker. Below it, decoding inline costs well under a
 * millisecond, less than the round trip to a worker; above it, the shape checks (and protobuf,
 * decoded in JavaScript, about 10x slower than JSON.parse) would hold the loop for tens of ms.
 */
export const OFFLOAD_BYTES = 64 * 1024;

/**
 * The same for protobuf, decoded in JavaScript: 16 KiB of map entries is about 1,300 of them, a few
 * ms; kubectl's typed creates (a namespace, a ConfigMap from literals) stay far below it.
 */
export const PROTOBUF_OFFLOAD_BYTES = 16 * 1024;

/** Jobs waiting for a worker beyond this are refused with 429, as flow control refuses a full queue. */
export const MAX_QUEUED = 64;

interface Job {
  job: DecodeJob;
  transfer: ArrayBuffer;
  text: Buffer;
  resolve(v: unknown): void;
  reject(e: unknown): void;
}

interface Slot {
  worker: Worker;
  job?: Job;
  cancel?: () => void;
}

/**
 * Decodes request bodies (JSON, YAML, protobuf) off the API's event loop: one bounded pool of
 * worker threads for the whole process, FIFO. Small JSON and protobuf bodies are decoded inline
 * (cheaper than a round trip); big ones and every YAML body go to a worker, which checks nesting
 * and `__proto__` keys there and answers with JSON text, so the loop pays only one JSON.parse
 * (V8's fastest way to build an object; a structured clone of the value costs the same). A body
 * that takes longer than {@link DECODE_TIMEOUT_MS} ends its worker and is refused with a 400.
 * Workers never keep the process alive.
 */
export class BodyDecoder {
  private readonly slots: (Slot | undefined)[];
  private readonly queue: Job[] = [];
  private seq = 0;
  private disposed = false;

  constructor(
    size = Math.max(1, Math.min(2, availableParallelism() - 1)),
    private readonly clock: Clock = systemClock,
    private readonly timeoutMs = DECODE_TIMEOUT_MS,
    private readonly maxDepth = MAX_DEPTH,
  ) {
    this.slots = Array.from({ length: size }, () => undefined);
  }

  /** The body's value; a 400 ApiError for anything it cannot decode (see bodyDecode.ts). */
  decode(kind: BodyKind, buf: Buffer): Promise<unknown> {
    if (buf.length < (kind === 'protobuf' ? PROTOBUF_OFFLOAD_BYTES : OFFLOAD_BYTES)) {
      try {
        const v = decodeBodySync(kind, buf, false, this.maxDepth);
        if (v !== NEEDS_YAML) return Promise.resolve(v);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    if (this.disposed) return Promise.reject(errors.unavailable('the API server is stopping'));
    if (this.queue.length >= MAX_QUEUED) return Promise.reject(new ApiError(429, 'TooManyRequests', 'too many request bodies are waiting to be decoded, please try again later', { retryAfterSeconds: 1 }));
    // The worker gets its own copy of the bytes, transferred; the loop keeps `buf` for `same`.
    const copy = new ArrayBuffer(buf.length);
    const bytes = new Uint8Array(copy);
    bytes.set(buf);
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: ++this.seq, kind, bytes, maxDepth: this.maxDepth }, transfer: copy, text: buf, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (let i = 0; i < this.slots.length && this.queue.length > 0; i++) {
      const slot = this.slots[i] ?? (this.slots[i] = this.spawn(i));
      if (slot.job) continue;
      const job = this.queue.shift() as Job;
      slot.job = job;
      slot.cancel = this.clock.setTimeout(() => this.kill(i, errors.badRequest(`the request body took longer than ${this.timeoutMs / 1000}s to decode`)), this.timeoutMs);
      slot.worker.ref();
      slot.worker.postMessage(job.job, [job.transfer]);
    }
  }

  private spawn(i: number): Slot {
    const here = __filename;
    const ts = here.endsWith('.ts');
    const modulePath = join(here, '..', ts ? 'bodyDecodeWorker.ts' : 'bodyDecodeWorker.js');
    // A deep stack for the YAML composer and a heap bound for what aliases and big bodies make.
    const resourceLimits = { stackSizeMb: 32, maxOldGenerationSizeMb: 512 };
    // Run from source (tests, bench), the worker loads TypeScript through tsx, as its parent does;
    // built, it requires the bundle next to this one (through `require`, which reads inside asar).
    const tsx = ts ? `require(${JSON.stringify(createRequire(here).resolve('tsx/cjs/api'))}).register();` : '';
    const worker = new Worker(`${tsx}require(${JSON.stringify(modulePath)})`, { eval: true, resourceLimits });
    worker.unref();
    const slot: Slot = { worker };
    worker.on('message', (m: DecodeAnswer) => this.answer(i, slot, m));
    worker.on('error', (e) => this.kill(i, errors.badRequest(`the request body could not be decoded: ${e.message}`), slot));
    worker.on('exit', () => this.kill(i, errors.internal('a body decoder stopped'), slot));
    return slot;
  }

  private answer(i: number, slot: Slot, m: DecodeAnswer): void {
    const job = slot.job;
    if (!job || job.job.id !== m.id) return;
    slot.job = undefined;
    slot.cancel?.();
    slot.worker.unref();
    try {
      if ('error' in m) job.reject(new ApiError(m.error.code, m.error.reason as StatusReason, m.error.message));
      else {
        const value: unknown = 'same' in m ? JSON.parse(job.text.toString('utf8')) : JSON.parse(m.json);
        // Parsing a big body here is a stretch of its own (20-25 ms for 1 MB): the request goes on
        // after the loop has turned, instead of adding its first stages to that stretch.
        void nextTurn().then(() => job.resolve(value));
      }
    } catch (e) {
      job.reject(e);
    }
    if (this.slots[i] === slot) this.pump();
  }

  /** Ends slot `i`'s worker (a new one starts for the next body) and fails the job it had. */
  private kill(i: number, reason: unknown, which?: Slot): void {
    const slot = this.slots[i];
    if (!slot || (which && which !== slot)) return;
    this.slots[i] = undefined;
    slot.cancel?.();
    slot.job?.reject(reason);
    slot.job = undefined;
    void slot.worker.terminate();
    if (!this.disposed) this.pump();
  }

  dispose(): void {
    this.disposed = true;
    const stopping = errors.unavailable('the API server is stopping');
    for (const j of this.queue.splice(0)) j.reject(stopping);
    for (let i = 0; i < this.slots.length; i++) this.kill(i, stopping);
  }
}
