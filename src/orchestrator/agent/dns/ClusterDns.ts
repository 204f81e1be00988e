import { CLUSTER_DOMAIN, DNS_LISTEN_PORT } from '../../api/clusterNetwork.js';
import type { DiscoveryEndpointSlice, Node, Service } from '../../api/types.js';
import type { Informer } from '../../client/Informer.js';
import { runLoop, type ControllerLoop } from '../../client/runner.js';
import { gatewayOf, parseCidr } from '../../util/cidr.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { Recorder } from '../kubelet/types.js';
import type { PodNetworkGate } from '../net/nodeNetwork.js';
import type { Upstream } from './forwarder.js';
import { DnsServer } from './server.js';
import { ClusterZone } from './zone.js';

export interface ClusterDnsDeps {
  clock: Clock;
  log: Logger;
  nodeName: string;
  /** NodeNetwork's informers: the zone is built from what the service proxy sees. */
  services: Informer<Service>;
  slices: Informer<DiscoveryEndpointSlice>;
  nodes: Informer<Node>;
  /** Resolves once the node's pod network (and so its gateway address) exists. */
  network: PodNetworkGate;
  upstream: Upstream;
  /** A Warning event on the Node when the server cannot listen. */
  recorder: Recorder;
  domain?: string;
  /** Listen here instead of the pod gateway (tests). */
  listen?: { address: string; port: number };
  resyncMs?: number;
}

/**
 * Cluster DNS on one node (CoreDNS's kubernetes + forward plugins, served by the agent): a
 * `DnsServer` on the node's pod bridge gateway, port 10053 (the `kube-dns` Service's endpoint on
 * this node: the service rules send 10.96.0.10:53 there), answering from a `ClusterZone` rebuilt
 * on the next query after any Service or EndpointSlice change. It reads the informer caches only,
 * so names keep resolving on the node while the control plane is away.
 */
export class ClusterDns {
  private readonly server: DnsServer;
  private readonly loop: ControllerLoop;
  private readonly log: Logger;
  private zone?: ClusterZone;
  private cancelResync?: () => void;
  private lastError?: string;
  private stopped = false;

  constructor(private readonly d: ClusterDnsDeps) {
    this.log = d.log.child({ component: 'dns' });
    this.server = new DnsServer(() => this.currentZone(), d.upstream, this.log);
    this.loop = runLoop('dns', () => this.sync(), { clock: d.clock, log: this.log, workers: 1, maxBackoffMs: 30_000, initialBackoffMs: 1_000 });
  }

  start(): void {
    const dirty = () => {
      this.zone = undefined;
    };
    this.d.services.addHandlers({ onAdd: dirty, onUpdate: dirty, onDelete: dirty });
    this.d.slices.addHandlers({ onAdd: dirty, onUpdate: dirty, onDelete: dirty });
    const kick = () => this.loop.enqueue('listen');
    this.d.nodes.addHandlers({ onAdd: kick, onUpdate: (o, n) => void (o.spec?.podCIDR !== n.spec?.podCIDR && kick()), onDelete: kick });
    this.cancelResync = this.d.clock.setInterval(kick, this.d.resyncMs ?? 30_000);
    kick();
  }

  stop(): void {
    this.stopped = true;
    this.cancelResync?.();
    this.loop.stop();
    this.server.close();
  }

  /** Resolves when no listen attempt is queued or running (tests). */
  idle(): Promise<void> {
    return this.loop.idle();
  }

  /** The zone as the caches hold it now (rebuilt after a change, on the next query). */
  currentZone(): ClusterZone {
    this.zone ??= new ClusterZone({ services: this.d.services.list(), slices: this.d.slices.list(), domain: this.d.domain ?? CLUSTER_DOMAIN });
    return this.zone;
  }

  private async sync(): Promise<void> {
    if (this.stopped) return;
    let where = this.d.listen;
    if (!where) {
      await this.d.network.network();
      const podCIDR = this.d.nodes.getByName(undefined, this.d.nodeName)?.spec?.podCIDR;
      if (!podCIDR) return;
      where = { address: gatewayOf(parseCidr(podCIDR)), port: DNS_LISTEN_PORT };
    }
    try {
      await this.server.listen(where.address, where.port);
      this.lastError = undefined;
    } catch (e) {
      const msg = `cannot serve cluster DNS on ${where.address}:${where.port}: ${e instanceof Error ? e.message : String(e)}`;
      const self = this.d.nodes.getByName(undefined, this.d.nodeName);
      if (self && this.lastError !== msg) this.d.recorder.record(self, 'Warning', 'ClusterDNSFailed', msg);
      this.lastError = msg;
      throw new Error(msg);
    }
  }
}
