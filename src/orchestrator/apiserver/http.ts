import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, errors } from '../api/errors.js';
import { decodeKubeProtobuf, isKubeProtobuf } from './protobuf/decode.js';

/** The largest request body the API accepts, as kube-apiserver (3 MiB). */
export const MAX_BODY = 3 * 1024 * 1024;

/** Reads the whole body, refusing more than MAX_BODY bytes with 413 (and draining the rest). */
export function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      reject(errors.tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(errors.tooLarge(limit));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (e) => {
      if (!failed) reject(e);
    });
  });
}

/** Parses a JSON or YAML body into a value; malformed input is a 400, never a crash. */
export function parseBody(buf: Buffer, contentType: string | undefined): unknown {
  // kubectl's typed clients (create namespace|configmap|secret|deployment, create token, auth whoami) send protobuf.
  if (isKubeProtobuf(contentType)) return decodeKubeProtobuf(buf);
  const text = buf.toString('utf8');
  if (!text.trim()) throw errors.badRequest('the request body is empty');
  const ct = (contentType ?? '').toLowerCase();
  // Worded as kube-apiserver's decoders word it.
  if (ct.includes('yaml')) {
    try {
      return parseYaml(text);
    } catch (e) {
      throw errors.badRequest(`error converting YAML to JSON: ${firstLine(e)}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    if (ct === '') {
      try {
        return parseYaml(text);
      } catch {
        /* fall through to the JSON error */
      }
    }
    throw errors.badRequest(`couldn't get version/kind; json parse error: ${firstLine(e)}`);
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const data = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(data), 'Cache-Control': 'no-cache, private' });
  res.end(data);
}

export function sendError(res: ServerResponse, e: unknown): void {
  const err = e instanceof ApiError ? e : errors.internal(e instanceof Error ? e.message : String(e));
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
