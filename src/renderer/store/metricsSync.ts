import { ApiRequestError } from '../api/errors.js';
import type { KubeApi } from '../api/client.js';
import { fetchMetrics, pollDelay } from '../api/metrics.js';
import { realSleeper, type Sleeper } from '../api/watch.js';
import type { AppStore } from './appStore.js';

/**
 * Polls `metrics.k8s.io/v1beta1` node and pod metrics at the server's resolution (the items'
 * `window`; every 3 s until a first item comes) and keeps the last sample in the store. The metrics API has no
 * watch, so this is a list per resolution: two small requests, never blocking anything else. Not
 * served (404/503): marked unavailable and asked again every minute. Returns a disposer.
 */
export function startMetricsSync(api: KubeApi, store: AppStore, sleeper: Sleeper = realSleeper): () => void {
  const abort = new AbortController();
  void (async () => {
    while (!abort.signal.aborted) {
      let wait: number;
      try {
        const sample = await fetchMetrics(api, abort.signal);
        if (abort.signal.aborted) return;
        store.getState().setUsage(sample);
        wait = pollDelay(sample.windowMs);
      } catch (e) {
        if (abort.signal.aborted) return;
        const missing = e instanceof ApiRequestError && (e.code === 404 || e.code === 503);
        store.getState().setUsageState(missing ? 'unavailable' : 'error', e instanceof Error ? e.message : String(e));
        wait = missing ? 60_000 : pollDelay(store.getState().usage.windowMs);
      }
      await sleeper.sleep(wait, abort.signal);
    }
  })();
  return () => abort.abort();
}
