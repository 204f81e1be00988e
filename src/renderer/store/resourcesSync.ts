import { resourceType } from '../../orchestrator/api/resources.js';
import type { KubeObject } from '../../orchestrator/api/types.js';
import type { KubeApi } from '../api/client.js';
import { discoverKinds } from '../api/discovery.js';
import { realSleeper } from '../api/watch.js';
import { ResourceWatch } from '../api/watch.js';
import { AutoTransport } from '../api/watchTransport.js';
import type { AppStore } from './appStore.js';

/**
 * What the resource browser needs from the server besides the watched kinds: discovery (which kinds
 * exist, CRDs included; asked again every minute, so newly served kinds appear) and the namespace
 * names for the picker. Returns a disposer.
 */
export function startResourcesSync(api: KubeApi, store: AppStore, origin: string): () => void {
  const abort = new AbortController();
  void (async () => {
    let wait = 1000;
    while (!abort.signal.aborted) {
      try {
        const kinds = await discoverKinds(api);
        if (kinds.length > 0) store.getState().setKinds(kinds);
        wait = 60_000;
      } catch {
        wait = Math.min(wait * 2, 30_000);
      }
      await realSleeper.sleep(wait, abort.signal);
    }
  })();

  let names = new Map<string, string>();
  const publish = () => store.getState().setNamespaces([...names.values()].sort());
  const keyOf = (o: KubeObject) => o.metadata.name ?? '';
  const watch = new ResourceWatch(
    api,
    resourceType('namespaces'),
    {
      reset(items) {
        names = new Map(items.map((o) => [keyOf(o), keyOf(o)]));
        publish();
      },
      event(e) {
        if (e.type === 'DELETED') names.delete(keyOf(e.object));
        else if (e.type === 'ADDED' || e.type === 'MODIFIED') names.set(keyOf(e.object), keyOf(e.object));
        else return;
        publish();
      },
      state: () => undefined,
    },
    { transport: new AutoTransport(api, origin), secondary: true, pollMs: 5000 },
  );
  return () => {
    abort.abort();
    watch.dispose();
  };
}
