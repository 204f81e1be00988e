import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from '../../apiserver/registry.js';
import { LocalClient } from '../../client/LocalClient.js';
import { SqliteStore } from '../../store/SqliteStore.js';
import { systemClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import type { AgentConfig } from '../config.js';
import { startAgent, type AgentHandle } from '../main.js';
import { LABELS } from '../runtime/types.js';

/** A kubelet on the real engine against an in-memory API, for one integration suite. */
export interface StandaloneAgent {
  /** The node name (unique: the agent only sees and removes what is labelled with it). */
  node: string;
  client: LocalClient;
  docker: Docker;
  /** Stops the agent and removes its containers, engine volumes and directories. */
  stop(): Promise<void>;
}

/**
 * Starts the agent alone (no control plane, no node network: pods use the engine's default
 * bridge) on a node named `<prefix>-<random>`, with the `default` namespace created.
 */
export async function startStandaloneAgent(prefix: string): Promise<StandaloneAgent> {
  const node = `${prefix}-${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), `skiff-${prefix}-`));
  const docker = new Docker();
  const store = new SqliteStore(':memory:');
  const client = new LocalClient(new Registry(store, systemClock));
  await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  const config: AgentConfig = { server: 'https://127.0.0.1:1', token: 'unused', ca: 'unused', nodeName: node, kubeletPort: 0, dataDir: dir, dockerSocket: '/var/run/docker.sock' };
  let agent: AgentHandle | undefined;
  const stop = async () => {
    await agent?.dispose();
    const label = [`${LABELS.node}=${node}`];
    for (const c of await docker.listContainers({ all: true, filters: { label } })) await docker.getContainer(c.Id).remove({ force: true });
    for (const v of (await docker.listVolumes({ filters: { label } })).Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
    store.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(`/dev/shm/skiff-${node}`, { recursive: true, force: true });
  };
  try {
    agent = await startAgent(config, { client, clock: systemClock, log: silentLogger, network: false });
  } catch (e) {
    await stop();
    throw e;
  }
  return { node, client, docker, stop };
}
