import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors } from '../api/errors.js';
import { systemClock, type Clock } from '../util/clock.js';
import { BadRequestTarget, parseRequestTarget, type RequestTarget } from '../util/requestTarget.js';
import type { BodyKind } from './bodyDecode.js';
import { BodyDecoder } from './bodyDecoder.js';
import { jsonOf } from './cacher/frozen.js';
import { isKubeProtobuf } from './protobuf/decode.js';

/** The path and query of a request; a target that cannot be parsed is a 400 Status. */
export function requestTarget(raw: string | undefined): RequestTarget {
  try {
    return parseRequestTarget(raw);
  } catch (e) {
    if (e instanceof BadRequestTarget) throw errors.badRequest(e.message);
    throw e;
  }
}

/** The largest request body the API accepts, as kube-apiserver (3 MiB). */
export const MAX_BODY = 3 * 1024 * 1024;

/** How long a client may take to send a body: kube-apiserver's `--request-timeout` (60 s). */
export const BODY_TIMEOUT_MS = 60_000;

/**
 * How much of a refused (too large) body is read and thrown away so that the client can finish
 * sending it and read the 413: a client still writing when the server closes gets a reset
 * ("write: broken pipe") instead of the answer. Go's server does the same (a lingering close).
 * Past this, the connection is cut.
 */
export const MAX_DISCARD = 32 * 1024 * 1024;

/**
 * Reads the whole body, refusing more than `limit` bytes with 413, and a body that has not arrived
 * within {@link BODY_TIMEOUT_MS} (shorter than its Content-Length, or trickling) with 504, worded
 * as kube-apiserver's timeout filter words it. Either refusal closes the connection once answered.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY, clock: Clock = systemClock, timeoutMs = BODY_TIMEOUT_MS): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (e?: unknown) => {
      if (done) return;
      done = true;
      cancel();
      req.off('data', onData);
      req.off('error', gone);
      req.off('close', gone);
      if (e === undefined) return resolve(Buffer.concat(chunks));
      if (e instanceof ApiError && e.code === 413) discard(req);
      // A body that does not arrive is not waited for again: the connection cannot carry another request.
      else if (e instanceof ApiError) closeAfterResponse.add(req);
      req.resume();
      reject(e);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) finish(errors.tooLarge(limit));
      else chunks.push(c);
    };
    const cancel = clock.setTimeout(() => finish(timeoutError()), timeoutMs);
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return finish(errors.tooLarge(limit));
    req.on('data', onData);
    req.on('end', () => finish());
    // Listeners removed once the body is read: a request's 'close' after its answer would build an error (a stack trace) for nothing.
    function gone(): void {
      if (!done) finish(new ApiError(400, 'BadRequest', 'the client closed the connection before the whole body arrived'));
    }
    req.on('error', gone);
    req.on('close', gone);
  });
}

/** Reads the rest of a refused body into nothing, up to {@link MAX_DISCARD}; then cuts the connection. */
function discard(req: IncomingMessage): void {
  let thrown = 0;
  req.on('data', (c: Buffer) => {
    thrown += c.length;
    if (thrown > MAX_DISCARD) req.socket?.destroy();
  });
}

/** Requests whose body was left unread: their answer carries `Connection: close`. */
const closeAfterResponse = new WeakSet<IncomingMessage>();

function timeoutError(): ApiError {
  return new ApiError(504, 'Timeout', 'Timeout: request did not complete within requested timeout - context deadline exceeded', {});
}

/** The process's one pool of body decoders (workers start on the first big or YAML body). */
const decoder = new BodyDecoder();

/**
 * Parses a JSON, YAML or protobuf body into a value; malformed input is a 400, never a crash or a
 * stall. Nesting beyond MAX_DEPTH and keys named `__proto__` are refused (see bodyShape.ts).
 * Big bodies and YAML are decoded on a worker thread (bodyDecoder.ts), small JSON and protobuf
 * inline. Errors are worded as kube-apiserver's decoders word them.
 */
export function parseBody(buf: Buffer, contentType: string | undefined): Promise<unknown> {
  const ct = (contentType ?? '').toLowerCase();
  // kubectl's typed clients (create namespace|configmap|secret|deployment, create token, auth whoami) send protobuf.
  const kind: BodyKind = isKubeProtobuf(contentType) ? 'protobuf' : ct.includes('yaml') ? 'yaml' : ct === '' ? 'jsonOrYaml' : 'json';
  return decoder.decode(kind, buf);
}

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  // A watch cache object (frozen) is serialized once for every answer and watch that sends it.
  const data = body !== null && typeof body === 'object' ? jsonOf(body) : JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(data), 'Cache-Control': 'no-cache, private' });
  res.end(data);
}

export function sendError(res: ServerResponse, e: unknown): void {
  const err = e instanceof ApiError ? e : errors.internal(e instanceof Error ? e.message : String(e));
  if (closeAfterResponse.has(res.req)) res.shouldKeepAlive = false;
  if (err.details?.retryAfterSeconds && !res.headersSent) res.setHeader('Retry-After', String(err.details.retryAfterSeconds));
  sendJson(res, err.code, err.toStatus());
}

/** True when the client asked for a meta.k8s.io Table (as `kubectl get` does). */
export function wantsTable(accept: string | undefined): boolean {
  return !!accept && /as=Table/.test(accept) && /g=meta\.k8s\.io/.test(accept);
}

/** Table `includeObject` from the Accept header's parameter or the query (`includeObject=`). */
export function includeObjectPolicy(q: URLSearchParams): 'None' | 'Metadata' | 'Object' {
  const v = q.get('includeObject');
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}
