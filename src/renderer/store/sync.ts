import { resourceType } from '../../orchestrator/api/resources.js';
import type { KubeApi } from '../api/client.js';
import { ResourceWatch } from '../api/watch.js';
import { AutoTransport } from '../api/watchTransport.js';
import type { AppStore } from './appStore.js';
import type { WatchOp } from './applyOps.js';
import { FrameBatcher } from './frameBatcher.js';
import { POLL_MS, PRIMARY_KINDS, WATCHED_KINDS } from './kinds.js';

/**
 * Keeps the store in step with the cluster: one list+watch per watched kind, their events batched
 * into one store update per frame. Returns a disposer that stops every watch.
 */
export function startSync(api: KubeApi, store: AppStore, origin: string): () => void {
  const transport = new AutoTransport(api, origin);
  const batcher = new FrameBatcher<WatchOp>((ops) => store.getState().applyOps(ops));
  const watches = WATCHED_KINDS.map(
    (kind) =>
      new ResourceWatch(api, resourceType(kind), {
        reset: (items) => batcher.push({ kind, type: 'reset', items }),
        event: (event) => batcher.push({ kind, type: 'event', event }),
        state: (s, error) => store.getState().setWatchState(kind, s, error),
      }, { transport, secondary: !PRIMARY_KINDS.has(kind), pollMs: POLL_MS[kind] }),
  );
  // The version is decoration for the top bar; the watches themselves report connectivity.
  api.version().then(
    (v) => store.getState().setServerVersion(v),
    () => store.getState().setServerVersion(undefined),
  );
  return () => {
    for (const w of watches) w.dispose();
    batcher.dispose();
  };
}
