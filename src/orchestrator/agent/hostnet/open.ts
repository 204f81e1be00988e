import Docker from 'dockerode';
import { join } from 'node:path';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { Runtime } from '../runtime/types.js';
import { HostNetComponent } from './component.js';
import { removeHostNetContainer, startHostNetContainer } from './launcher.js';
import { ownerTag } from './names.js';
import type { HostNet } from './types.js';

/** How the host component runs: in the agent's process (it is root), or as its container (NET_ADMIN, NET_RAW). */
export type HostNetMode = 'auto' | 'process' | 'container';

export interface OpenHostNetOptions {
  mode: HostNetMode;
  node: string;
  dataDir: string;
  dockerSocket: string;
  runtime: Pick<Runtime, 'imageId' | 'importImage' | 'info'>;
  /** The agent bundle the container runs (`process.argv[1]` for the agent program). */
  bundlePath?: string;
  /** The program that runs it (`process.execPath`: the host's node, or Electron's binary). */
  nodePath?: string;
  clock: Clock;
  log: Logger;
}

export interface OpenedHostNet {
  hostnet: HostNet;
  mode: 'process' | 'container';
  close(): void;
}

/** Unix socket paths are limited to 107 bytes: a long data dir falls back to /run. */
export function hostnetSocketPath(dataDir: string, node: string): string {
  const p = join(dataDir, 'hostnet.sock');
  return Buffer.byteLength(p) <= 100 ? p : `/run/skiff-hostnet-${ownerTag(node).toLowerCase()}.sock`;
}

/**
 * The node's host component. `auto` runs it in this process when the agent is root (nothing to
 * start, nothing to survive), else as its container (launcher.ts); `container` always uses the
 * container (remote hosts do, whoever the SSH user is, so every host works the same way and the
 * component's rules keep being enforced while the agent restarts).
 */
export async function openHostNet(o: OpenHostNetOptions): Promise<OpenedHostNet> {
  const root = process.getuid?.() === 0;
  if (o.mode === 'process' || (o.mode === 'auto' && root)) {
    if (!root) throw new Error('the host component can run in the agent\'s process only when the agent runs as root');
    const component = new HostNetComponent({ log: o.log.child({ component: 'hostnet' }) });
    // In-process, the held ports would outlive the agent (the desktop keeps running): they close with it.
    return { hostnet: component, mode: 'process', close: () => component.releasePorts() };
  }
  if (!o.bundlePath) throw new Error('the host component container needs the agent bundle\'s path');
  const client = await startHostNetContainer({
    docker: new Docker({ socketPath: o.dockerSocket }),
    runtime: o.runtime,
    node: o.node,
    nodePath: o.nodePath ?? process.execPath,
    bundlePath: o.bundlePath,
    socketPath: hostnetSocketPath(o.dataDir, o.node),
    ownerUid: process.getuid?.() ?? 0,
    clock: o.clock,
    log: o.log,
  });
  return { hostnet: client, mode: 'container', close: () => client.close() };
}

/** After cleanup: the container goes too (it holds no state of its own). */
export function removeHostNet(dockerSocket: string, node: string): Promise<boolean> {
  return removeHostNetContainer(new Docker({ socketPath: dockerSocket }), node);
}
