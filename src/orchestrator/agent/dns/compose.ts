import { readFileSync } from 'node:fs';
import { CLUSTER_DOMAIN, clusterDNSIP } from '../../api/clusterNetwork.js';
import { EventRecorder } from '../../client/events.js';
import type { Client } from '../../client/types.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { AgentConfig } from '../config.js';
import type { NodeNetwork } from '../net/nodeNetwork.js';
import { ClusterDns } from './ClusterDns.js';
import { Forwarder, parseUpstream } from './forwarder.js';
import { PodDnsFiles } from './podFiles.js';
import { upstreamServers } from './resolvConf.js';

/**
 * Cluster DNS for the agent, beside its NodeNetwork and on its informers: the node's DNS server
 * (forwarding to `config.dnsUpstreams`, else the host's resolvers, read again for each forwarded
 * query's list so a changed resolv.conf is followed), and the writer of every pod's resolv.conf
 * and hosts file for the kubelet.
 */
export function startClusterDns(a: { config: AgentConfig; client: Client; network: NodeNetwork; clock: Clock; log: Logger }): { dns: ClusterDns; podDns: PodDnsFiles } {
  const { config, network, clock, log } = a;
  const fixed = config.dnsUpstreams?.map(parseUpstream);
  let cached: { at: number; list: ReturnType<typeof parseUpstream>[] } | undefined;
  const servers = () => {
    if (fixed) return fixed;
    // resolv.conf is read at most every 5 s (a query must not wait on the disk each time).
    if (!cached || clock.now() - cached.at > 5_000) cached = { at: clock.now(), list: upstreamServers(readText).map(parseUpstream) };
    return cached.list;
  };
  const dns = new ClusterDns({
    clock,
    log,
    nodeName: config.nodeName,
    services: network.services,
    slices: network.slices,
    nodes: network.nodes,
    network,
    upstream: new Forwarder(servers, clock),
    recorder: new EventRecorder({ client: a.client, clock, log, component: 'kube-dns', host: config.nodeName }),
  });
  dns.start();
  const podDns = new PodDnsFiles(() => (network.settings ? { clusterDNS: clusterDNSIP(network.settings.serviceCIDR), domain: CLUSTER_DOMAIN } : undefined));
  return { dns, podDns };
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
