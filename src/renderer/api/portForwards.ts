import { errorFromResponse } from './errors.js';
import type { FetchFn } from './client.js';
import { isRecord } from './guards.js';
import { FORWARDS_PATH, type ForwardInfo, type ForwardSpec } from '../../main/wire/portForwards.js';

export { FORWARDS_PATH } from '../../main/wire/portForwards.js';
export type { ForwardInfo, ForwardSpec, ForwardState } from '../../main/wire/portForwards.js';

export function isForwardInfo(v: unknown): v is ForwardInfo {
  return (
    isRecord(v) &&
    typeof v.id === 'string' &&
    (v.kind === 'pod' || v.kind === 'service') &&
    typeof v.namespace === 'string' &&
    typeof v.name === 'string' &&
    typeof v.port === 'number' &&
    typeof v.localPort === 'number' &&
    typeof v.url === 'string' &&
    (v.state === 'listening' || v.state === 'reconnecting' || v.state === 'error') &&
    typeof v.connections === 'number' &&
    typeof v.served === 'number'
  );
}

const defaultFetch: FetchFn = (input, init) => fetch(input, init);

async function call(fetchFn: FetchFn, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetchFn(path, {
    method,
    credentials: 'same-origin',
    headers: { Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw errorFromResponse(res.status, res.statusText, text);
  return text ? (JSON.parse(text) as unknown) : undefined;
}

/** The forwards the UI server holds (they outlive a page reload: the server listens, not the page). */
export async function listForwards(fetchFn: FetchFn = defaultFetch): Promise<ForwardInfo[]> {
  const body = await call(fetchFn, 'GET', FORWARDS_PATH);
  return isRecord(body) && Array.isArray(body.items) ? body.items.filter(isForwardInfo) : [];
}

/** Starts a forward; rejects with the server's reason (the pod does not exist, the port is taken...). */
export async function startForward(spec: ForwardSpec, fetchFn: FetchFn = defaultFetch): Promise<ForwardInfo> {
  const body = await call(fetchFn, 'POST', FORWARDS_PATH, spec);
  if (!isForwardInfo(body)) throw new Error('the UI server answered with something that is not a port-forward');
  return body;
}

export async function stopForward(id: string, fetchFn: FetchFn = defaultFetch): Promise<void> {
  await call(fetchFn, 'DELETE', `${FORWARDS_PATH}/${encodeURIComponent(id)}`);
}

/** `8080 → pod web-1:80`: what a forward does, in one line. */
export function describeForward(f: ForwardInfo): string {
  const via = f.kind === 'service' && f.pod ? ` via ${f.pod}` : f.kind === 'pod' && f.pod && f.pod !== f.name ? ` (now ${f.pod})` : '';
  return `${f.kind === 'service' ? 'svc' : 'pod'}/${f.name}:${f.port}${via}`;
}
