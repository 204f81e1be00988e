import Docker from 'dockerode';
import { EventRecorder } from '../../client/events.js';
import type { Client } from '../../client/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { AgentConfig } from '../config.js';
import { openHostNet } from '../hostnet/open.js';
import type { Runtime } from '../runtime/types.js';
import { IngressController } from '../ingress/controller.js';
import { NodeNetwork } from './nodeNetwork.js';
import { PodNetwork } from './podNetwork.js';
import { loadOrCreateWireGuardKey, type WireGuardKey } from './wireguardKey.js';
import { NetPolEnforcer } from '../netpol/enforcer.js';

/**
 * Builds and starts the node's network (NodeNetwork) for the agent: its Docker pod network, the
 * host component (in-process or as its container, per `config.hostNetwork`), the `kubernetes`
 * Service relay towards `config.server`, and a `kube-proxy` event recorder. The ingress controller
 * (ingress/) sits beside it on the same Service, EndpointSlice and Node informers and stops with
 * it. Cluster DNS is to sit beside it too.
 */
export function startNodeNetwork(a: { config: AgentConfig; client: Client; runtime: Runtime; clock: Clock; log: Logger; nodeIP: string }): NodeNetwork {
  const { config, client, runtime, clock, log } = a;
  const server = new URL(config.server);
  let wgKey: WireGuardKey | undefined;
  const netpol = new NetPolEnforcer({ client, clock, log, nodeName: config.nodeName, recorder: new EventRecorder({ client, clock, log, component: 'skiff-netpol', host: config.nodeName }) });
  const network = new NodeNetwork({
    client,
    clock,
    log,
    recorder: new EventRecorder({ client, clock, log, component: 'kube-proxy', host: config.nodeName }),
    nodeName: config.nodeName,
    nodeIP: a.nodeIP,
    podNetwork: new PodNetwork(new Docker({ socketPath: config.dockerSocket }), config.nodeName),
    openHostNet: () =>
      openHostNet({
        mode: config.hostNetwork ?? 'auto',
        node: config.nodeName,
        dataDir: config.dataDir,
        dockerSocket: config.dockerSocket,
        runtime,
        clock,
        log,
        ...(config.bundlePath ? { bundlePath: config.bundlePath } : {}),
      }),
    apiTarget: { host: server.hostname === 'localhost' ? '127.0.0.1' : server.hostname, port: Number(server.port || 443) },
    ruleSources: [netpol],
    // Read once per agent (every sync asks, and under `auto` that is every endpoint change); a
    // failed read is tried again. Rotation is a new key file and an agent restart.
    wireguardKey: () => (wgKey ??= loadOrCreateWireGuardKey(config.dataDir)),
  });
  network.start();
  const ingress = new IngressController({
    client,
    clock,
    log,
    recorder: new EventRecorder({ client, clock, log, component: 'skiff-ingress', host: config.nodeName }),
    nodeName: config.nodeName,
    services: network.services,
    slices: network.slices,
    nodes: network.nodes,
  });
  ingress.start();
  network.onStop(() => ingress.stop());
  return network;
}
