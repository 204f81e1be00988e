// NetworkPolicy peers resolved by the control plane (controllers/addressgroup.ts) on a cluster of
// 5,000 pods in 50 namespaces and 100 policies (a podSelector peer and a namespaceSelector peer
// each), real clock, in-memory store: how long until every AddressGroup is written, then a burst of
// 250 pods relabelled at once (a rollout) and one namespace relabelled: time until every group
// shows it, group writes, and the event loop's worst delay meanwhile.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { resolveAddressGroup, type AddressGroup } from '../src/orchestrator/api/addressGroup.js';
import type { NetworkPolicy } from '../src/orchestrator/api/networkPolicy.js';
import { canonicalJson } from '../src/orchestrator/api/podutil.js';
import type { Namespace, Pod } from '../src/orchestrator/api/types.js';
import { startControllers, type ControllerName } from '../src/orchestrator/controllers/manager.js';
import { memoryCluster } from '../src/orchestrator/testing/memoryCluster.js';
import { systemClock } from '../src/orchestrator/util/clock.js';
import { silentLogger } from '../src/orchestrator/util/logger.js';

const PODS = 5000;
const NAMESPACES = 50;
const POLICIES = 100;
const ONLY: ControllerName[] = ['addressgroup', 'garbagecollector'];

export async function benchAddressGroups(): Promise<void> {
  const cluster = await memoryCluster(systemClock as never);
  const { client } = cluster;
  for (let n = 0; n < NAMESPACES; n++) await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns${n}`, labels: { tier: `t${n % 10}` } } });
  for (let i = 0; i < PODS; i++) {
    const p = await client.create<Pod>('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: `ns${i % NAMESPACES}`, name: `p${i}`, labels: { app: `a${i % 20}` } }, spec: { nodeName: `node${i % 50}`, containers: [{ name: 'c', image: 'i', ports: [{ name: 'http', containerPort: 8080 }] }] } });
    await client.updateStatus('pods', { ...p, status: { phase: 'Running', podIP: `10.${42 + Math.floor(i / 65_000)}.${Math.floor(i / 250) % 256}.${(i % 250) + 1}` } });
  }
  for (let i = 0; i < POLICIES; i++) {
    await client.create('networkpolicies', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { namespace: `ns${i % NAMESPACES}`, name: `np${i}` },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: `a${i % 20}` } } }] }], egress: [{ to: [{ namespaceSelector: { matchLabels: { tier: `t${i % 10}` } } }], ports: [{ port: 'http' }] }] },
    });
  }

  // Only the controller measured (and the garbage collector): the rest would only add noise.
  const disabled = (['replicaset', 'deployment', 'job', 'cronjob', 'daemonset', 'statefulset', 'replicationcontroller', 'endpoints', 'endpointslice', 'nodelifecycle', 'namespace', 'clusterrole-aggregation', 'serviceaccount', 'rootcacertpublisher', 'scheduler', 'nodeipam', 'kubernetesservice', 'clusterdnsservice', 'servicelb', 'ingress', 'horizontalpodautoscaling', 'disruption', 'persistentvolume-binder', 'storage-protection', 'local-path-provisioner'] as ControllerName[]).filter((n) => !ONLY.includes(n));
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const t0 = performance.now();
  const mgr = startControllers({ client, clock: systemClock, log: silentLogger, options: { disabled } });
  const groups = async () => (await client.list<AddressGroup>('addressgroups')).items;
  const waitFor = async (ok: (gs: AddressGroup[]) => boolean) => {
    for (;;) {
      if (ok(await groups())) return;
      await new Promise((r) => setTimeout(r, 100)); // polling a 2 MB list costs the controller too: times are +-100 ms
    }
  };
  let writes = 0;
  /** Every group equal to what the peers select now (resolved here from full lists). */
  const allRight = async () => {
    // Quiet first (no group write for 1 s), so this check's own lists do not compete with the controller.
    let seen = -1;
    while (seen !== writes) {
      seen = writes;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const [ps, pods, nss] = await Promise.all([client.list<NetworkPolicy>('networkpolicies'), client.list<Pod>('pods'), client.list<Namespace>('namespaces')]);
    const want = new Map(ps.items.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, canonicalJson(resolveAddressGroup(p, pods.items, nss.items))]));
    await waitFor((gs) => gs.length === want.size && gs.every((g) => want.get(`${g.metadata.namespace}/${g.metadata.name}`) === canonicalJson(g.peers ?? [])));
  };
  const snapshot = async () => new Map((await groups()).map((g) => [`${g.metadata.namespace}/${g.metadata.name}`, canonicalJson(g.peers ?? [])]));
  const changed = (a: Map<string, string>, b: Map<string, string>) => [...b].filter(([k, v]) => a.get(k) !== v).length;
  const addresses = (g: AddressGroup) => (g.peers ?? []).reduce((n, p) => n + p.addresses.length, 0);
  await waitFor((gs) => gs.length === POLICIES && gs.every((g) => addresses(g) > 0));
  const initialMs = performance.now() - t0;
  const total = (await groups()).reduce((n, g) => n + addresses(g), 0);
  console.log(`\naddress groups (${PODS.toLocaleString('en')} pods, ${NAMESPACES} namespaces, ${POLICIES} policies with 2 peers each)`);
  console.log(`  all ${POLICIES} groups written in ${initialMs.toFixed(0)} ms (${total.toLocaleString('en')} addresses), event-loop delay max ${(delay.max / 1e6).toFixed(0)} ms`);

  const rv = (await client.list('addressgroups')).metadata.resourceVersion;
  let lastWrite = 0;
  writes = 0;
  const w = client.watch('addressgroups', { resourceVersion: rv }, () => {
    writes++;
    lastWrite = performance.now();
  });
  delay.reset();
  // The 250 pods of app a0 become a1: policies selecting a0 lose them, those selecting a1 gain them.
  const before1 = await snapshot();
  const t1 = performance.now();
  const relabel = [];
  for (let i = 0; i < PODS; i += 20) relabel.push(client.patch('pods', `ns${i % NAMESPACES}`, `p${i}`, 'merge', { metadata: { labels: { app: 'a1' } } }));
  await Promise.all(relabel);
  const patchedMs = performance.now() - t1;
  await allRight();
  const burstMs = lastWrite - t1;
  console.log(`  ${relabel.length} pods relabelled (patched in ${patchedMs.toFixed(0)} ms): last group write ${burstMs.toFixed(0)} ms after the first patch (all checked right), ${writes} group writes (${changed(before1, await snapshot())} groups changed), event-loop delay max ${(delay.max / 1e6).toFixed(0)} ms`);

  writes = 0;
  const before2 = await snapshot();
  const t2 = performance.now();
  await client.patch('namespaces', undefined, 'ns0', 'merge', { metadata: { labels: { tier: 't1' } } });
  await allRight();
  console.log(`  a namespace relabelled (100 pods): last group write ${(lastWrite - t2).toFixed(0)} ms after the patch (all checked right), ${writes} group writes (${changed(before2, await snapshot())} groups changed)`);
  w.dispose();
  delay.disable();
  await mgr.dispose();
  cluster.dispose();
}
