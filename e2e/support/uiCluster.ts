import { resolve } from 'node:path';
import { startUiServer, type UiServer } from '../../src/main/uiServer.js';
import { scanHostKey } from '../../src/orchestrator/provision/index.js';
import { startCompatCluster, type CompatCluster } from '../compat/cluster.js';

/**
 * A live Skiff for a browser spec that needs no lab: a real control plane in this process whose
 * local node is named uniquely (so concurrent runs on the one Docker engine never touch each
 * other's containers), with the built UI served on a free port as browser mode serves it.
 */
export interface UiCluster {
  c: CompatCluster;
  ui: UiServer;
  /** A fresh one-time login URL. */
  loginUrl(): string;
  stop(): Promise<void>;
}

export async function startUiCluster(prefix: string, opts: Parameters<typeof startCompatCluster>[1] = {}): Promise<UiCluster> {
  const c = await startCompatCluster(prefix, opts);
  let ui: UiServer;
  try {
    ui = await startUiServer({ port: 0, rendererDir: resolve('dist/renderer'), api: c.t.cp.handler, scanHostKey });
  } catch (e) {
    await c.stop();
    throw e;
  }
  return {
    c,
    ui,
    loginUrl: () => ui.loginUrl(),
    async stop() {
      await ui.close();
      await c.stop();
    },
  };
}
