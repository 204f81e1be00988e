import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from '../../src/orchestrator/controlPlane.js';
import { silentLogger, consoleLogger } from '../../src/orchestrator/util/logger.js';
import { Kubectl } from './kubectl.js';
import { cleanupLocalNode, leaseTestNetwork, type TestNetworkLease } from './testNetwork.js';

/**
 * A TCP port on 127.0.0.1 that was free a moment ago, for a child process that must be told its port
 * (it can be taken before the child binds it: prefer port 0 wherever the port can be read back).
 */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

export interface TestControlPlane {
  cp: ControlPlane;
  home: string;
  kubectl: Kubectl;
  /** Disposes the control plane; with a local node, removes its containers and its network too. */
  stop(): Promise<void>;
}

/**
 * A real control plane in this process, in a temp SKIFF_HOME, on free ports: SQLite on disk, HTTPS,
 * controllers, scheduler, and (unless `localNode: 'off'`) the local machine's agent on the real
 * Docker engine. A local node gets pod and service ranges of its own (testNetwork.ts), unless
 * `network` is given: several control planes share this machine's engine and network namespace.
 * `SKIFF_TEST_LOG=1` shows its logs.
 */
export async function startTestControlPlane(opts: Partial<ControlPlaneOptions> = {}): Promise<TestControlPlane> {
  const home = opts.home ?? mkdtempSync(join(tmpdir(), 'skiff-test-'));
  const local = (opts.localNode ?? 'off') !== 'off';
  const lease: TestNetworkLease | undefined = local && !opts.network ? await leaseTestNetwork() : undefined;
  let cp: ControlPlane;
  try {
    cp = await startControlPlane({
      home,
      apiPort: 0,
      // 0: the agent listens on a port the kernel picks and reports it in its Node's daemonEndpoints,
      // which is how the API reaches it. A port probed free and bound later can be taken in between.
      kubeletPort: 0,
      localNode: 'off',
      agentBundlePath: resolve('dist/agent/skiff-agent.js'),
      log: process.env.SKIFF_TEST_LOG ? consoleLogger({ component: 'test-cp' }) : silentLogger,
      ...(lease ? { network: lease.network } : {}),
      ...opts,
    });
  } catch (e) {
    lease?.release();
    throw e;
  }
  return {
    cp,
    home,
    kubectl: new Kubectl(cp.kubeconfigPath),
    async stop() {
      await cp.dispose();
      if (cp.localNode && lease) await cleanupLocalNode(cp.localNode);
      lease?.release();
      if (!opts.home) rmSync(home, { recursive: true, force: true });
    },
  };
}
