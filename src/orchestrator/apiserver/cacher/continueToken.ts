import { posix } from 'node:path';
import { errors } from '../../api/errors.js';

/**
 * Continue tokens, encoded as kube-apiserver encodes them (k8s.io/apiserver/pkg/storage/continue.go):
 * unpadded base64url of `{"v":"meta.k8s.io/v1","rv":<list revision>,"start":"<next key>"}`, where the
 * start key is the last returned key plus `\0`, relative to the list's key prefix. A client may hold
 * a token from a real cluster or forge one: anything but this shape is a 400, and the start key is
 * cleaned so that it can never range outside the list's prefix.
 */
export interface Continuation {
  /** The revision the first page was read at; every later page is read at the same one. -1: the latest. */
  rv: number;
  /** The first full store key of the next page (inclusive). */
  startKey: string;
}

interface Token {
  v: string;
  rv: number;
  start: string;
}

export function encodeContinue(lastKey: string, keyPrefix: string, rv: number): string {
  const next = lastKey + '\u0000';
  if (!next.startsWith(keyPrefix)) throw new Error(`continue key ${lastKey} is outside ${keyPrefix}`);
  const token: Token = { v: 'meta.k8s.io/v1', rv, start: next.slice(keyPrefix.length) };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

/** Decodes a token for a list under `keyPrefix`; every malformed token is a 400 worded as kube-apiserver's. */
export function decodeContinue(value: string, keyPrefix: string): Continuation {
  const invalid = (why: string) => errors.badRequest(`invalid continue token: ${why}`);
  if (!/^[A-Za-z0-9_-]*$/.test(value)) throw invalid('continue key is not valid: illegal base64 data');
  let token: unknown;
  try {
    token = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch (e) {
    throw invalid(`continue key is not valid: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (token === null || typeof token !== 'object' || Array.isArray(token)) throw invalid('continue key is not valid');
  const t = token as Partial<Token>;
  if (t.v !== 'meta.k8s.io/v1') throw invalid(`continue key is not valid: server does not recognize this encoded version ${String(t.v)}`);
  if (typeof t.rv !== 'number' || !Number.isSafeInteger(t.rv) || t.rv === 0) {
    throw invalid('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  if (typeof t.start !== 'string' || t.start.length === 0) throw invalid('continue key is not valid: encoded start key empty (version meta.k8s.io/v1)');
  // Path traversal: the cleaned key must be the key itself, so it can only name something under the prefix.
  const key = t.start.startsWith('/') ? t.start : '/' + t.start;
  if (goClean(key) !== key) throw invalid(`continue key is not valid: ${t.start}`);
  return { rv: t.rv < 0 ? -1 : t.rv, startKey: keyPrefix + key.slice(1) };
}

/** Go's path.Clean for an absolute path: no `.`, `..`, doubled or trailing slashes. */
function goClean(p: string): string {
  const n = posix.normalize(p);
  return n.length > 1 ? n.replace(/\/+$/, '') : n;
}
