/**
 * The program of a body-decoder worker (bodyDecoder.ts): decodes one body per message with the
 * same code the event loop uses for small bodies, and answers with JSON text (`same` when the body
 * was JSON already, so that nothing is copied back) or the 400 it gets.
 */
import { parentPort } from 'node:worker_threads';
import { ApiError } from '../api/errors.js';
import { decodeBodySync, type BodyKind } from './bodyDecode.js';

/** One job: the body's bytes (transferred, not copied) and how to read them. */
export interface DecodeJob {
  id: number;
  kind: BodyKind;
  bytes: Uint8Array;
  maxDepth: number;
}

/** One answer: `json` (the value as JSON text), `same` (the body was JSON: parse it) or a 4xx. */
export type DecodeAnswer = { id: number; json: string } | { id: number; same: true } | { id: number; error: { code: number; reason: string; message: string } };

parentPort?.on('message', (job: DecodeJob) => {
  let answer: DecodeAnswer;
  try {
    const value = decodeBodySync(job.kind, job.bytes, true, job.maxDepth);
    answer = job.kind === 'json' ? { id: job.id, same: true } : { id: job.id, json: JSON.stringify(value) };
  } catch (e) {
    const err = e instanceof ApiError ? e : new ApiError(400, 'BadRequest', e instanceof Error ? e.message : String(e));
    answer = { id: job.id, error: { code: err.code, reason: err.reason, message: err.message } };
  }
  parentPort?.postMessage(answer);
});
