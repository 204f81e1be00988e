import { Registry } from '../apiserver/registry.js';
import { LocalClient } from '../client/LocalClient.js';
import { SqliteStore } from '../store/SqliteStore.js';
import { FakeClock } from '../util/clock.js';

/**
 * A control plane's data path for unit tests: the real SQLite store (in memory), the real registry
 * and the in-process client, on a fake clock. Creates the `default` namespace.
 */
export async function memoryCluster(clock = new FakeClock()) {
  const store = new SqliteStore(':memory:');
  const registry = new Registry(store, clock);
  const client = new LocalClient(registry);
  await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  return {
    store,
    registry,
    client,
    clock,
    dispose: () => {
      registry.dispose();
      store.close();
    },
  };
}
