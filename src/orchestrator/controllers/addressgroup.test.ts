import { afterEach, describe, expect, it } from 'vitest';
import type { AddressGroup } from '../api/addressGroup.js';
import type { NetworkPolicy, NetworkPolicySpec } from '../api/networkPolicy.js';
import type { KubeObject, Namespace, Pod } from '../api/types.js';
import { controllerFixture, type ControllerFixture } from './testkit.js';

/*
 * The address-group controller on the in-memory fixture (real registry, fake clock): for each
 * NetworkPolicy, the pod IPs each selector peer selects, kept up to date as pods get IPs, change
 * labels, go, and as namespaces' labels change; written once per change, only by the controller.
 */

let f: ControllerFixture;
afterEach(async () => {
  await f.dispose();
});

type PortSpec = { name: string; containerPort: number; protocol?: 'TCP' | 'UDP' };

async function pod(ns: string, name: string, ip: string | undefined, labels: Record<string, string>, opts: { node?: string; ports?: PortSpec[]; hostNetwork?: boolean } = {}): Promise<Pod> {
  const created = await f.client.create<Pod>('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: ns, name, labels }, spec: { nodeName: opts.node ?? 'n1', ...(opts.hostNetwork ? { hostNetwork: true } : {}), containers: [{ name: 'c', image: 'i', ports: opts.ports ?? [] }] } });
  return ip ? f.setPodStatus({ ...created, status: { podIP: ip } }) : created;
}

async function namespace(name: string, labels: Record<string, string>): Promise<void> {
  await f.client.create<Namespace>('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
}

function np(namespace: string, name: string, spec: NetworkPolicySpec): NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace, name }, spec: { podSelector: {}, ...spec } };
}

const group = (ns: string, name: string) => f.client.get<AddressGroup>('addressgroups', ns, name);
/** Each peer's addresses as `ip` (or `ip:name=port/...`), in peer order. */
const ips = async (ns: string, name: string) => (await group(ns, name)).peers?.map((p) => p.addresses.map((a) => [a.ip, ...(a.ports ?? []).map((x) => `${x.name}=${x.port}/${x.protocol}`)].join(':')));

/** The cluster of every case: two namespaces with labels, pods on two nodes, some not peers. */
async function cluster(): Promise<void> {
  await namespace('prod', { team: 'a' });
  await namespace('dev', { team: 'b' });
  await pod('prod', 'db', '10.42.1.10', { app: 'db' }, { ports: [{ name: 'sql', containerPort: 5432 }] });
  await pod('prod', 'api', '10.42.1.11', { app: 'api' });
  await pod('prod', 'web', '10.42.2.12', { app: 'web' }, { node: 'n2', ports: [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 5353, protocol: 'UDP' }] });
  await pod('dev', 'api', '10.42.2.20', { app: 'api' }, { node: 'n2' });
  await pod('default', 'tool', '10.42.1.30', { app: 'tool' });
  await pod('prod', 'pending', undefined, { app: 'api' });
  await pod('prod', 'hostnet', '192.168.0.5', { app: 'api' }, { hostNetwork: true });
}

interface Case {
  name: string;
  spec: NetworkPolicySpec;
  /** Per peer (in the group's order), the addresses. */
  want: string[][];
}

const cases: Case[] = [
  { name: 'podSelector: pods of the policy\'s namespace only; no IP or host network: not peers', spec: { ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }] }] }, want: [['10.42.1.11']] },
  { name: 'namespaceSelector: every pod of matching namespaces', spec: { ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'b' } } }] }] }, want: [['10.42.2.20']] },
  { name: 'both in one peer: matching pods of matching namespaces', spec: { ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: 'api' } } }] }] }, want: [['10.42.1.11', '10.42.2.20']] },
  {
    name: 'distinct peers once each, across rules; ipBlocks are not published',
    spec: { ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }, { ipBlock: { cidr: '10.0.0.0/8' } }] }, { from: [{ podSelector: { matchLabels: { app: 'web' } } }] }] },
    want: [['10.42.2.12']],
  },
  {
    name: 'egress named ports: the ports the policy names, on each peer pod, and no others',
    spec: { policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { team: 'a' } } }], ports: [{ port: 'http' }, { port: 'dns', protocol: 'UDP' }, { port: 'sql', protocol: 'UDP' }] }] },
    want: [['10.42.1.10', '10.42.1.11', '10.42.2.12:http=8080/TCP:dns=5353/UDP']],
  },
  { name: 'egress peers of a policy that does not enforce egress are not published', spec: { policyTypes: ['Ingress'], ingress: [{}], egress: [{ to: [{ podSelector: {} }] }] }, want: [] },
];

describe('address-group controller', () => {
  it.each(cases)('$name', async (c) => {
    f = await controllerFixture();
    await cluster();
    await f.client.create('networkpolicies', np('prod', 'p', c.spec));
    await f.settle();
    expect(await ips('prod', 'p')).toEqual(c.want);
    const g = await group('prod', 'p');
    expect(g.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'NetworkPolicy', name: 'p', controller: true });
  });

  it('follows pods and namespaces: an IP assigned, labels changed, a pod deleted, a namespace relabelled', async () => {
    f = await controllerFixture();
    await cluster();
    await f.client.create('networkpolicies', np('prod', 'p', { ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }, { namespaceSelector: { matchLabels: { team: 'b' } } }] }] }));
    await f.settle();
    expect(await ips('prod', 'p')).toEqual([['10.42.2.20'], ['10.42.1.11']]);

    await f.setPodStatus({ ...(await f.client.get<Pod>('pods', 'prod', 'pending')), status: { podIP: '10.42.1.40' } });
    await f.settle();
    expect(await ips('prod', 'p')).toEqual([['10.42.2.20'], ['10.42.1.11', '10.42.1.40']]);

    await f.client.patch('pods', 'prod', 'api', 'merge', { metadata: { labels: { app: 'gone' } } });
    await f.client.patch('pods', 'prod', 'web', 'merge', { metadata: { labels: { app: 'api' } } });
    await f.settle();
    expect(await ips('prod', 'p')).toEqual([['10.42.2.20'], ['10.42.1.40', '10.42.2.12']]);

    await f.client.delete('pods', 'prod', 'pending', { gracePeriodSeconds: 0 });
    await f.client.patch('namespaces', undefined, 'dev', 'merge', { metadata: { labels: { team: 'c' } } });
    await f.client.patch('namespaces', undefined, 'default', 'merge', { metadata: { labels: { team: 'b' } } });
    await f.settle();
    expect(await ips('prod', 'p')).toEqual([['10.42.1.30'], ['10.42.2.12']]);

    // A finished pod is no longer a peer.
    const web = await f.client.get<Pod>('pods', 'prod', 'web');
    await f.client.updateStatus('pods', { ...web, status: { ...web.status, phase: 'Succeeded' } });
    await f.settle();
    expect(await ips('prod', 'p')).toEqual([['10.42.1.30'], []]);
  });

  it('writes once per change, and not at all for changes no peer reads', async () => {
    f = await controllerFixture();
    await cluster();
    await f.client.create('networkpolicies', np('prod', 'p', { ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }] }] }));
    await f.settle();
    const writes: string[] = [];
    const w = f.client.watch<KubeObject>('addressgroups', { resourceVersion: (await group('prod', 'p')).metadata.resourceVersion }, (e) => void writes.push(e.type));

    // A burst: ten pods of the peer appear at once.
    await Promise.all(Array.from({ length: 10 }, (_, i) => pod('prod', `burst-${i}`, `10.42.3.${i + 1}`, { app: 'api' })));
    await f.settle();
    expect((await ips('prod', 'p'))?.[0]).toHaveLength(11);
    const afterBurst = writes.length;
    expect(afterBurst).toBeGreaterThanOrEqual(1);
    // The queue coalesces the burst: one write (two if the worker ran mid-burst), not ten.
    expect(afterBurst).toBeLessThanOrEqual(2);

    // Changes the group does not read: a pod of no peer, a peer pod's annotations and conditions.
    await pod('prod', 'unrelated', '10.42.3.99', { app: 'other' });
    await f.client.patch('pods', 'prod', 'api', 'merge', { metadata: { annotations: { note: 'x' } } });
    await f.setPodStatus(await f.client.get<Pod>('pods', 'prod', 'api'), false);
    await f.client.patch('namespaces', undefined, 'prod', 'merge', { metadata: { labels: { extra: 'y' } } });
    await f.settle();
    expect(writes).toHaveLength(afterBurst);
    w.dispose();
  });

  it("keeps each group's span (the nodes running a pod the policy applies to), and a node's filtered watch sees its groups come and go", async () => {
    f = await controllerFixture();
    await cluster();
    await f.client.create('networkpolicies', np('prod', 'p', { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: 'api' } } }] }] }));
    await f.settle();
    const span = async () => (await group('prod', 'p')).span;
    expect(await span()).toEqual(['n1']);
    const seen: string[] = [];
    const w = f.client.watch<AddressGroup>('addressgroups', { fieldSelector: 'span=n2', resourceVersion: (await group('prod', 'p')).metadata.resourceVersion }, (e) => void seen.push(`${e.type} ${(e.object.span ?? []).join('+')}`));
    // A pod the policy applies to lands on n2 (a pending one has no IP yet: it still counts).
    await pod('prod', 'db-2', undefined, { app: 'db' }, { node: 'n2' });
    await f.settle();
    expect(await span()).toEqual(['n1', 'n2']);
    await f.client.delete('pods', 'prod', 'db', { gracePeriodSeconds: 0 });
    await f.settle();
    expect(await span()).toEqual(['n2']);
    const db2 = await f.client.get<Pod>('pods', 'prod', 'db-2');
    await f.client.updateStatus('pods', { ...db2, status: { ...db2.status, phase: 'Failed' } });
    await f.settle();
    expect(await span()).toEqual([]);
    await f.settle();
    expect(seen).toEqual(['ADDED n1+n2', 'MODIFIED n2', 'DELETED n2']);
    w.dispose();
  });

  it('rewrites a group changed or deleted by hand; removes it with its policy', async () => {
    f = await controllerFixture();
    await cluster();
    await f.client.create('networkpolicies', np('prod', 'p', { ingress: [{ from: [{ podSelector: { matchLabels: { app: 'db' } } }] }] }));
    await f.settle();
    const g = await group('prod', 'p');
    await f.client.update('addressgroups', { ...g, peers: [{ podSelector: { matchLabels: { app: 'db' } }, addresses: [{ ip: '10.0.0.1' }] }] });
    await f.settle();
    expect(await ips('prod', 'p')).toEqual([['10.42.1.10']]);
    await f.client.delete('addressgroups', 'prod', 'p');
    await f.settle();
    expect(await ips('prod', 'p')).toEqual([['10.42.1.10']]);

    await f.client.delete('networkpolicies', 'prod', 'p');
    await f.settle();
    await expect(group('prod', 'p')).rejects.toThrow(/not found/);
  });

  it('refuses an AddressGroup written by anyone but the control plane', async () => {
    f = await controllerFixture();
    const user = { user: 'admin', groups: ['system:masters'] };
    const obj: AddressGroup = { apiVersion: 'networking.skiff.dev/v1alpha1', kind: 'AddressGroup', metadata: { namespace: 'default', name: 'x' }, peers: [] };
    await expect(f.registry.create('addressgroups', 'default', obj, { user })).rejects.toThrow(/written only by Skiff's network policy controller/);
  });
});
