import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type Docker from 'dockerode';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { LABELS } from '../runtime/types.js';
import { HostNetClient } from './client.js';
import { CHROOT_EXEC, HOSTNET_IMAGE, HostNetImage } from './image.js';
import type { Runtime } from '../runtime/types.js';

/** Marks the host component's container (besides io.skiff.managed / io.skiff.node, so host removal takes it). */
export const HOSTNET_LABEL = 'io.skiff.hostnet';
const CONFIG_LABEL = 'io.skiff.hostnet.config';

export interface HostNetContainerOptions {
  docker: Docker;
  runtime: Pick<Runtime, 'imageId' | 'importImage' | 'info'>;
  node: string;
  /** The host's `node` (or Electron's binary, run as node) and the agent bundle: run inside the chroot. */
  nodePath: string;
  bundlePath: string;
  /** The unix socket, a host path the agent can reach (in its data dir). */
  socketPath: string;
  /** Who may open the socket: the agent's user. */
  ownerUid: number;
  clock: Clock;
  log: Logger;
}

export function hostnetContainerName(node: string): string {
  return `skiff-hostnet-${node}`;
}

/**
 * Runs the host component as a container in the host's network namespace with the capabilities
 * its work needs (NET_ADMIN, NET_RAW, SYS_MODULE), for an agent that is not root (the SSH user may
 * use Docker but not sudo; kube-proxy and flannel run as privileged pods the same way): the image's
 * `/chroot-exec` enters the host's root (bind-mounted at /host) and runs the host's `node` on the
 * agent bundle in `hostnet` mode, serving the socket.
 * The container restarts with Docker (`unless-stopped`) and outlives the agent; it is replaced when
 * the bundle or its command line changes. Resolves with a client once the socket answers.
 */
export async function startHostNetContainer(o: HostNetContainerOptions): Promise<HostNetClient> {
  const name = hostnetContainerName(o.node);
  const image = await new HostNetImage(o.runtime).ensure();
  const entrypoint = [CHROOT_EXEC, '/host', o.nodePath, o.bundlePath, 'hostnet', '--socket', o.socketPath, '--owner-uid', String(o.ownerUid), '--node', o.node];
  const bundleSum = existsSync(o.bundlePath) ? createHash('sha256').update(readFileSync(o.bundlePath)).digest('hex') : 'missing';
  const config = createHash('sha256').update(JSON.stringify({ entrypoint, bundleSum, image })).digest('hex').slice(0, 16);
  const existing = await inspect(o.docker, name);
  if (existing && (existing.Config.Labels?.[CONFIG_LABEL] !== config || !existing.State.Running)) {
    o.log.info('replacing the host component container', { container: name, running: existing.State.Running });
    await o.docker.getContainer(existing.Id).remove({ force: true });
  }
  if (!existing || existing.Config.Labels?.[CONFIG_LABEL] !== config || !existing.State.Running) {
    const c = await o.docker.createContainer({
      name,
      Image: HOSTNET_IMAGE,
      Entrypoint: entrypoint,
      Env: ['ELECTRON_RUN_AS_NODE=1', `SKIFF_LOG=${process.env.SKIFF_LOG ?? 'info'}`],
      Labels: { [LABELS.managed]: 'true', [LABELS.node]: o.node, [HOSTNET_LABEL]: 'true', [CONFIG_LABEL]: config },
      HostConfig: {
        // Only what the work needs (flannel's set, plus loading br_netfilter), not --privileged:
        // hosts whose Docker runs with a reduced capability set cannot start privileged containers.
        CapAdd: ['NET_ADMIN', 'NET_RAW', 'SYS_MODULE'],
        NetworkMode: 'host',
        Binds: ['/:/host'],
        RestartPolicy: { Name: 'unless-stopped' },
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '2' } },
      },
    });
    await c.start();
    o.log.info('started the host component container', { container: name });
  }
  const client = new HostNetClient(o.socketPath, o.clock);
  const deadline = o.clock.now() + 30_000;
  for (;;) {
    try {
      await client.check();
      return client;
    } catch (e) {
      const state = await inspect(o.docker, name);
      if (!state?.State.Running || o.clock.now() > deadline) {
        client.close();
        const logs = state ? await tail(o.docker, state.Id) : '';
        throw new Error(`the host component container ${name} ${state?.State.Running ? 'does not answer' : `stopped (exit ${state?.State.ExitCode ?? '?'})`}: ${e instanceof Error ? e.message : String(e)}${logs ? `; its log ends with: ${logs}` : ''}`);
      }
      await new Promise<void>((r) => o.clock.setTimeout(r, 200));
    }
  }
}

/** Removes the host component's container of `node` (after cleanup); true when there was one. */
export async function removeHostNetContainer(docker: Docker, node: string): Promise<boolean> {
  const c = await inspect(docker, hostnetContainerName(node));
  if (!c) return false;
  await docker.getContainer(c.Id).remove({ force: true });
  return true;
}

async function inspect(docker: Docker, name: string): Promise<Docker.ContainerInspectInfo | undefined> {
  try {
    return await docker.getContainer(name).inspect();
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined;
    throw e;
  }
}

async function tail(docker: Docker, id: string): Promise<string> {
  try {
    const buf = (await docker.getContainer(id).logs({ stdout: true, stderr: true, tail: 8 })) as unknown as Buffer;
    // Strip Docker's 8-byte frame headers.
    return buf.toString('utf8').replace(/[\x00-\x08]/g, '').trim().split('\n').slice(-8).join(' | ');
  } catch {
    return '';
  }
}
