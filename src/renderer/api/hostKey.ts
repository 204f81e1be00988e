import { errorFromResponse } from './errors.js';
import { isRecord } from './guards.js';
import type { FetchFn } from './client.js';

export interface HostKey {
  fingerprint: string;
  algorithm: string;
}

/**
 * Asks the app to read a host's SSH key (`POST /skiff/host-key`; it connects, reads the key and
 * disconnects before logging in), so the user can compare the fingerprint before it is pinned.
 */
export async function fetchHostKey(address: string, port: number, fetchFn: FetchFn = (i, init) => fetch(i, init)): Promise<HostKey> {
  const res = await fetchFn('/skiff/host-key', { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify({ address: address.trim(), port }), credentials: 'same-origin' });
  const text = await res.text();
  if (!res.ok) throw errorFromResponse(res.status, res.statusText, text);
  const body: unknown = JSON.parse(text);
  if (!isRecord(body) || typeof body.fingerprint !== 'string') throw errorFromResponse(500, 'bad answer', text);
  return { fingerprint: body.fingerprint, algorithm: typeof body.algorithm === 'string' ? body.algorithm : 'unknown' };
}
