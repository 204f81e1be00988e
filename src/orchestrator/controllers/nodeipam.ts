import { DEFAULT_CLUSTER_NETWORK, type ClusterNetwork } from '../api/clusterNetwork.js';
import type { Node } from '../api/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';
import { RequeueAfter } from '../client/WorkQueue.js';
import { formatCidr, parseCidr, subnetAt, subnetCount, within, type Cidr } from '../util/cidr.js';

const COMPONENT = 'node-ipam-controller';

/**
 * Node IPAM (kube-controller-manager's range allocator): gives every Node without one a pod CIDR,
 * the lowest free /nodeMaskSize of the cluster CIDR, in `spec.podCIDR` and `spec.podCIDRs`. A
 * Node's CIDR is immutable and is freed when the Node goes. A full range, or a Node holding a
 * CIDR outside the cluster range or one another Node holds, is a Warning event on the Node
 * (`CIDRNotAvailable`, `CIDROutsideClusterRange`, `CIDRAlreadyUsed`), never a silent guess.
 * One worker: two Nodes can never be handed the same block.
 */
export function startNodeIpamController(ctx: ControllerContext, network: ClusterNetwork = DEFAULT_CLUSTER_NETWORK): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const recorder = ctx.recorder(COMPONENT);
  const cluster = parseCidr(network.clusterCIDR);
  const nodes = informers.get<Node>('nodes');
  /** Blocks handed out whose Node update the cache may not show yet. */
  const assigned = new Map<string, string>();

  const reconcile = async (name: string): Promise<void> => {
    const node = nodes.get(name);
    if (!node) {
      assigned.delete(name);
      return;
    }
    const current = node.spec?.podCIDR;
    if (current) {
      assigned.delete(name);
      report(node, current);
      return;
    }
    const pick = assigned.get(name) ?? free(name);
    if (!pick) {
      recorder.record(node, 'Warning', 'CIDRNotAvailable', `Node ${name} status is now: CIDRNotAvailable (no /${network.nodeMaskSize} is free in the cluster CIDR ${network.clusterCIDR}, which holds ${subnetCount(cluster, network.nodeMaskSize)})`);
      throw new RequeueAfter(30_000);
    }
    assigned.set(name, pick);
    await client.patch<Node>('nodes', undefined, name, 'merge', { spec: { podCIDR: pick, podCIDRs: [pick] } });
    log.info('assigned a pod CIDR', { node: name, podCIDR: pick });
  };

  /** The lowest block no Node holds (nor was just handed). */
  const free = (self: string): string | undefined => {
    const used = new Set<number>();
    for (const n of nodes.list()) {
      const c = safeCidr(n.spec?.podCIDR);
      if (c && n.metadata.name !== self) used.add(c.base);
    }
    for (const [n, c] of assigned) if (n !== self) used.add(parseCidr(c).base);
    const count = subnetCount(cluster, network.nodeMaskSize);
    for (let i = 0; i < count; i++) {
      const s = subnetAt(cluster, network.nodeMaskSize, i);
      if (!used.has(s.base)) return formatCidr(s);
    }
    return undefined;
  };

  /** Problems with a CIDR a Node already holds: it cannot change, so they are reported, once per state. */
  const reported = new Map<string, string>();
  const report = (node: Node, podCIDR: string) => {
    const name = node.metadata.name ?? '';
    const c = safeCidr(podCIDR);
    let problem: [string, string] | undefined;
    if (!c || !within(c, cluster)) {
      problem = ['CIDROutsideClusterRange', `Node ${name} has pod CIDR ${podCIDR}, outside the cluster CIDR ${network.clusterCIDR}: its pods get addresses other nodes do not route. Remove the host and add it again to give it a CIDR from the current range.`];
    } else {
      const other = nodes.list((n) => n.metadata.name !== name && n.spec?.podCIDR !== undefined && sameBlock(safeCidr(n.spec.podCIDR), c)).map((n) => n.metadata.name)[0];
      if (other) problem = ['CIDRAlreadyUsed', `Node ${name} has pod CIDR ${podCIDR}, which node ${other} also holds: pod addresses would clash.`];
    }
    const key = problem ? problem[0] : '';
    if (reported.get(name) === key) return;
    reported.set(name, key);
    if (problem) recorder.record(node, 'Warning', problem[0], problem[1]);
  };

  const loop = runLoop(COMPONENT, reconcile, { clock, log, workers: 1, ready: informers.waitForSync(['nodes']) });
  nodes.addHandlers({
    onAdd: (n) => loop.enqueue(n.metadata.name ?? ''),
    onUpdate: (o, n) => {
      if (o.spec?.podCIDR !== n.spec?.podCIDR) loop.enqueue(n.metadata.name ?? '');
    },
    onDelete: (n) => {
      reported.delete(n.metadata.name ?? '');
      loop.enqueue(n.metadata.name ?? '');
      // Its block is free again: Nodes waiting for one may take it.
      for (const w of nodes.list((x) => !x.spec?.podCIDR)) loop.enqueue(w.metadata.name ?? '');
    },
  });
  return loop;
}

function safeCidr(text: string | undefined): Cidr | undefined {
  if (!text) return undefined;
  try {
    return parseCidr(text);
  } catch {
    return undefined;
  }
}

function sameBlock(a: Cidr | undefined, b: Cidr): boolean {
  return !!a && a.base === b.base && a.prefix === b.prefix;
}
