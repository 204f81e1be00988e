import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CLUSTER_NETWORK, WIREGUARD_PUBLIC_KEY_ANNOTATION, clusterNetworkConfigMap, type PodNetworkBackend } from '../../api/clusterNetwork.js';
import type { KubeObject, Node } from '../../api/types.js';
import { memoryCluster } from '../../testing/memoryCluster.js';
import { flush } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import type { OpenedHostNet } from '../hostnet/open.js';
import type { ApplyResult, CleanupResult, HeldPort, HostCheck, HostNet, HostNetDesired, PortsResult } from '../hostnet/types.js';
import { generateWireGuardPrivateKey, wireGuardPublicKey } from '../hostnet/wgKeys.js';
import { NodeNetwork } from './nodeNetwork.js';

/** The host component in memory: records what it is asked, answers as the real one would for WireGuard. */
class FakeHostNet implements HostNet {
  applied: HostNetDesired[] = [];
  /** What the next applies report as mended or missing on the host. */
  warnings: string[] = [];
  async apply(d: HostNetDesired): Promise<ApplyResult> {
    this.applied.push(structuredClone(d));
    const wg = d.backend === 'wireguard';
    return {
      routes: d.peers.map((p) => ({ peer: p.node, podCIDR: p.podCIDR, mode: wg ? 'wireguard' : 'host-gw', ...(wg && !p.publicKey ? { error: `node ${p.node} has not published its WireGuard public key yet` } : {}) })),
      chains: 1,
      rules: d.rules.length,
      iptables: 'nf_tables',
      warnings: [...this.warnings],
      ...(wg && d.wireguard ? { wireguard: { device: 'skwtest', implementation: 'wireguard-go' as const, publicKey: wireGuardPublicKey(d.wireguard.privateKey), port: d.wireguard.port } } : {}),
    };
  }
  async holdPorts(_node: string, ports: HeldPort[]): Promise<PortsResult> {
    return { held: ports, busy: [] };
  }
  async cleanup(): Promise<CleanupResult> {
    return { chains: 0, links: 0, routes: 0, devices: 0, ports: 0 };
  }
  async check(): Promise<HostCheck> {
    return { ok: true, conntrack: true, wireguard: { wg: true, wireguardGo: true }, missing: [] };
  }
}

const node = (name: string, podCIDR: string, ip: string, annotations?: Record<string, string>): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Node', metadata: { name, ...(annotations ? { annotations } : {}) }, spec: { podCIDR }, status: { addresses: [{ type: 'InternalIP', address: ip }] } }) as KubeObject;

describe('NodeNetwork with the wireguard backend', () => {
  let c: Awaited<ReturnType<typeof memoryCluster>>;
  let net: NodeNetwork;
  const host = new FakeHostNet();
  const events: string[] = [];
  const mtus: number[] = [];
  const key = { privateKey: generateWireGuardPrivateKey(), publicKey: '' };
  key.publicKey = wireGuardPublicKey(key.privateKey);
  const settle = async () => {
    for (let i = 0; i < 20; i++) {
      await flush();
      await net.idle();
    }
  };
  const setBackend = async (backend: PodNetworkBackend, trustedNetworks?: string[]) => {
    const cm = clusterNetworkConfigMap({ ...DEFAULT_CLUSTER_NETWORK, backend, ...(trustedNetworks ? { trustedNetworks } : {}) });
    const have = await c.client.get<KubeObject>('configmaps', 'kube-system', 'skiff-network').catch(() => undefined);
    if (have) await c.client.update('configmaps', { ...cm, metadata: { ...cm.metadata, resourceVersion: have.metadata.resourceVersion } });
    else await c.client.create('configmaps', cm);
  };

  beforeEach(async () => {
    c = await memoryCluster();
    await c.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } });
    await setBackend('wireguard');
    await c.client.create('nodes', node('n1', '10.42.1.0/24', '192.0.2.1'));
    await c.client.create('nodes', node('n2', '10.42.2.0/24', '192.0.2.2'));
    const opened: OpenedHostNet = { hostnet: host, mode: 'process', close: () => undefined };
    net = new NodeNetwork({
      client: c.client,
      clock: c.clock,
      log: silentLogger,
      recorder: { record: (_o, type, reason, msg) => void events.push(`${type} ${reason}: ${msg}`) },
      nodeName: 'n1',
      nodeIP: '192.0.2.1',
      // 192.0.2.x is on no interface here: the relay's listen fails (reported) and nothing binds.
      podNetwork: { ensure: async (_cidr, mtu) => (mtus.push(mtu), { name: 'skiff-pods-n1', bridge: 'skbtest', gateway: '192.0.2.201' }), removeStale: async () => [] },
      openHostNet: async () => opened,
      apiTarget: { host: '127.0.0.1', port: 1 },
      wireguardKey: () => key,
    });
    net.start();
  });
  afterEach(() => {
    net.stop();
    c.dispose();
  });

  it('publishes its public key, gives the component its private key, and peers with nodes that published theirs', async () => {
    await settle();
    const self = await c.client.get<Node>('nodes', undefined, 'n1');
    expect(self.metadata.annotations?.[WIREGUARD_PUBLIC_KEY_ANNOTATION]).toBe(key.publicKey);
    let last = host.applied.at(-1) as HostNetDesired;
    expect(last.backend).toBe('wireguard');
    expect(last.wireguard).toEqual({ port: 51820, privateKey: key.privateKey, mtu: 1420 });
    expect(last.peers).toEqual([{ node: 'n2', podCIDR: '10.42.2.0/24', nodeIP: '192.0.2.2' }]);
    expect(events.some((e) => e.startsWith('Warning NoRouteToPeer') && e.includes('has not published its WireGuard public key yet'))).toBe(true);

    const k2 = wireGuardPublicKey(generateWireGuardPrivateKey());
    await c.client.patch('nodes', undefined, 'n2', 'merge', { metadata: { annotations: { [WIREGUARD_PUBLIC_KEY_ANNOTATION]: k2 } } });
    await settle();
    last = host.applied.at(-1) as HostNetDesired;
    expect(last.peers).toEqual([{ node: 'n2', podCIDR: '10.42.2.0/24', nodeIP: '192.0.2.2', publicKey: k2 }]);
    const cond = (await c.client.get<Node>('nodes', undefined, 'n1')).status?.conditions?.find((x) => x.type === 'NetworkUnavailable');
    expect(cond).toMatchObject({ status: 'False', reason: 'SkiffNetworkReady' });
    expect(cond?.message).toContain('routes to n2 by wireguard; WireGuard device skwtest (wireguard-go in userspace: the kernel has no wireguard module) on UDP 51820');
    expect(events).toContain('Normal WireGuardDevice: pod traffic to other nodes is encrypted by WireGuard device skwtest (wireguard-go in userspace: the kernel has no wireguard module), UDP port 51820');
  });

  it('auto: publishes its key too and hands the component the trusted networks, with pods sized for the WireGuard header', async () => {
    await c.client.delete('nodes', undefined, 'n1');
    await c.client.create('nodes', node('n1', '10.42.1.0/24', '192.0.2.1'));
    await setBackend('vxlan');
    await settle();
    expect(mtus.at(-1)).toBe(1450);
    await setBackend('auto', ['192.0.2.0/24']);
    await settle();
    const last = host.applied.at(-1) as HostNetDesired;
    expect(last.backend).toBe('auto');
    expect(last.trustedNetworks).toEqual(['192.0.2.0/24']);
    expect(last.wireguard).toEqual({ port: 51820, privateKey: key.privateKey, mtu: 1420 });
    expect((await c.client.get<Node>('nodes', undefined, 'n1')).metadata.annotations?.[WIREGUARD_PUBLIC_KEY_ANNOTATION]).toBe(key.publicKey);
    // The interface of 192.0.2.1 is unknown here: the 1500 default, less WireGuard's 80.
    expect(mtus.at(-1)).toBe(1420);
  });

  it("names its pod bridge to the component, and puts what the component mended on its Node once", async () => {
    // Each new Service makes the node sync again.
    const svc = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80 }] } }) as KubeObject;
    await settle();
    expect((host.applied.at(-1) as HostNetDesired).podBridge).toBe('skbtest');
    const mended = "the host had no route to this node's pods (10.42.1.0/24 dev skbtest; another program removed it?): added it, or Services and DNS would not reach pods here";
    host.warnings = [mended];
    await c.client.create('services', svc('s1'));
    await settle();
    await c.client.create('services', svc('s2'));
    await settle();
    expect(events.filter((e) => e === `Warning HostNetwork: ${mended}`)).toHaveLength(1);
    // Mended again later: said again.
    host.warnings = [];
    await c.client.create('services', svc('s3'));
    await settle();
    host.warnings = [mended];
    await c.client.create('services', svc('s4'));
    await settle();
    host.warnings = [];
    expect(events.filter((e) => e === `Warning HostNetwork: ${mended}`)).toHaveLength(2);
  });

  it('ignores a malformed peer key, and stops asking for WireGuard when the backend changes', async () => {
    await c.client.patch('nodes', undefined, 'n2', 'merge', { metadata: { annotations: { [WIREGUARD_PUBLIC_KEY_ANNOTATION]: 'not a key' } } });
    await settle();
    expect((host.applied.at(-1) as HostNetDesired).peers[0]?.publicKey).toBeUndefined();
    await setBackend('host-gw');
    await settle();
    const last = host.applied.at(-1) as HostNetDesired;
    expect(last.backend).toBe('host-gw');
    expect(last.wireguard).toBeUndefined();
    expect(JSON.stringify(last)).not.toContain(key.privateKey);
  });
});
