import type { AppState } from './slices.js';
import { WATCHED_KINDS } from './kinds.js';

export type ConnectionState = 'connected' | 'connecting' | 'reconnecting' | 'offline';

/** One word for the whole connection, from the per-kind watch states. */
export function connectionState(s: Pick<AppState, 'watchStates'>): ConnectionState {
  let live = 0;
  let retrying = 0;
  for (const k of WATCHED_KINDS) {
    const st = s.watchStates[k];
    if (st === 'live') live++;
    else if (st === 'retrying') retrying++;
  }
  if (live === WATCHED_KINDS.length) return 'connected';
  if (retrying === WATCHED_KINDS.length) return 'offline';
  if (retrying > 0) return 'reconnecting';
  return 'connecting';
}

export const logKey = (namespace: string, pod: string, container: string): string => `${namespace}/${pod}/${container}`;
