import Docker from 'dockerode';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { openHostNet, removeHostNet, type HostNetMode } from '../hostnet/open.js';
import { DockerRuntime } from '../runtime/docker.js';
import { PodNetwork } from './podNetwork.js';

/**
 * Takes a node's networking off its host: its rules, links, routes, VXLAN and WireGuard devices and held ports
 * (through the host component, in whatever mode the node used), the component's container, and
 * the node's pod networks that no container uses any more. Never touches another node's. Used when
 * a host is removed (the agent's `cleanup-network` command) and by tests for their local nodes.
 * Returns a one-line summary.
 */
export async function cleanupNodeNetwork(o: { nodeName: string; dataDir: string; dockerSocket: string; mode: HostNetMode; bundlePath?: string; clock: Clock; log: Logger }): Promise<string> {
  const runtime = new DockerRuntime({ socketPath: o.dockerSocket, clock: o.clock, log: o.log });
  const opened = await openHostNet({ mode: o.mode, node: o.nodeName, dataDir: o.dataDir, dockerSocket: o.dockerSocket, runtime, clock: o.clock, log: o.log, ...(o.bundlePath ? { bundlePath: o.bundlePath } : {}) });
  let r;
  try {
    r = await opened.hostnet.cleanup(o.nodeName);
  } finally {
    opened.close();
  }
  const container = opened.mode === 'container' ? await removeHostNet(o.dockerSocket, o.nodeName) : false;
  const networks = await new PodNetwork(new Docker({ socketPath: o.dockerSocket }), o.nodeName).removeStale(undefined);
  return `removed ${r.chains} chain(s), ${r.links} link(s), ${r.routes} route(s), ${r.devices} device(s), ${r.ports} held port(s)${container ? ', the host component container' : ''}${networks.length ? `, network(s) ${networks.join(', ')}` : ''}`;
}
