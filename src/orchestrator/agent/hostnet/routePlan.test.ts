import { describe, expect, it } from 'vitest';
import { routeMetric, vxlanDevice, wireguardDevice } from './names.js';
import { directlyConnected, planRoutes, type HostRoute } from './routePlan.js';
import type { HostNetDesired } from './types.js';
import { validateDesired } from './validate.js';

const desired = (over: Partial<HostNetDesired> = {}): HostNetDesired => ({
  node: 'n1',
  clusterCIDR: '10.42.0.0/16',
  nodeIP: '10.77.0.11',
  podCIDR: '10.42.1.0/24',
  backend: 'auto',
  vxlan: { vni: 7, port: 8472 },
  peers: [
    { node: 'n2', podCIDR: '10.42.2.0/24', nodeIP: '10.77.0.12' },
    { node: 'n3', podCIDR: '10.42.3.0/24', nodeIP: '192.168.50.3' },
  ],
  rules: [],
  ...over,
});
const LAN: HostRoute[] = [
  { dst: 'default', gateway: '10.77.0.1', dev: 'eth0', protocol: 'boot' },
  { dst: '10.77.0.0/24', dev: 'eth0', protocol: 'kernel' },
  { dst: '10.42.1.0/24', dev: 'skbxxxx', protocol: 'kernel' },
];
const direct = (routes: HostRoute[], d = desired()) => new Set(d.peers.map((p) => p.nodeIP).filter((ip) => directlyConnected(ip, routes)));

describe('route planning', () => {
  it.each([
    { backend: 'auto' as const, trustedNetworks: ['0.0.0.0/0'], want: { n2: 'host-gw', n3: 'vxlan' }, add: [{ dst: '10.42.2.0/24', via: '10.77.0.12' }, { dst: '10.42.3.0/24', via: '10.42.3.0', dev: vxlanDevice('n1') }] },
    { backend: 'vxlan' as const, want: { n2: 'vxlan', n3: 'vxlan' }, add: [{ dst: '10.42.2.0/24', via: '10.42.2.0', dev: vxlanDevice('n1') }, { dst: '10.42.3.0/24', via: '10.42.3.0', dev: vxlanDevice('n1') }] },
    { backend: 'host-gw' as const, want: { n2: 'host-gw', n3: 'host-gw' }, add: [{ dst: '10.42.2.0/24', via: '10.77.0.12' }] },
  ])('$backend: host-gw on the shared network, VXLAN beyond it', ({ backend, want, add, ...rest }) => {
    const d = desired({ backend, ...rest });
    const plan = planRoutes(d, { routes: LAN, direct: direct(LAN, d) });
    expect(Object.fromEntries(plan.peers.map((p) => [p.peer, p.mode]))).toEqual(want);
    expect(plan.add).toEqual(add);
    if (backend === 'host-gw') expect(plan.peers.find((p) => p.peer === 'n3')?.error).toMatch(/192.168.50.3 is not on a network this host is directly connected to/);
    if (plan.vxlan) {
      expect(plan.vxlan.address).toBe('10.42.1.0/32');
      expect(plan.vxlan.mac).toBe('02:53:0a:2a:01:00');
      expect(plan.vxlan.peers.find((p) => p.nodeIP === '192.168.50.3')).toEqual({ vtep: '10.42.3.0', mac: '02:53:0a:2a:03:00', nodeIP: '192.168.50.3' });
    } else expect(backend).toBe('host-gw');
  });

  it('removes its own routes to peers that left, and never another program\'s', () => {
    const m = routeMetric('n1');
    const routes: HostRoute[] = [...LAN, { dst: '10.42.9.0/24', gateway: '10.77.0.19', dev: 'eth0', protocol: '83', metric: m }, { dst: '10.42.8.0/24', gateway: '10.77.0.18', dev: 'eth0', protocol: '83', metric: routeMetric('other-node') }];
    const plan = planRoutes(desired({ peers: [] }), { routes, direct: new Set() });
    expect(plan.remove.map((r) => r.dst)).toEqual(['10.42.9.0/24']);
    expect(plan.vxlan).toBeUndefined();
  });

  it('says which host route is in the way of a peer\'s pod CIDR', () => {
    const routes: HostRoute[] = [...LAN, { dst: '10.42.2.0/24', dev: 'br-1234', protocol: 'kernel' }];
    const plan = planRoutes(desired({ trustedNetworks: ['0.0.0.0/0'] }), { routes, direct: direct(routes) });
    expect(plan.peers.find((p) => p.peer === 'n2')?.error).toBe('the host already routes 10.42.2.0/24 dev br-1234 (proto kernel), which overlaps its pod CIDR 10.42.2.0/24');
    expect(plan.add.map((r) => r.dst)).toEqual(['10.42.3.0/24']);
  });

  it('keeps a route it made itself, and a broader route is no obstacle', () => {
    const routes: HostRoute[] = [...LAN, { dst: '10.0.0.0/8', gateway: '10.77.0.1', dev: 'eth0', protocol: 'static' }, { dst: '10.42.2.0/24', gateway: '10.77.0.12', dev: 'eth0', protocol: '83', metric: routeMetric('n1') }];
    const plan = planRoutes(desired({ trustedNetworks: ['0.0.0.0/0'] }), { routes, direct: direct(routes) });
    expect(plan.peers.every((p) => !p.error)).toBe(true);
    expect(plan.remove).toEqual([]);
  });

  describe("this node's own pods: routed to its bridge when the kernel's route is gone", () => {
    const m = routeMetric('n1');
    const kernel: HostRoute = { dst: '10.42.1.0/24', dev: 'skbxxxx', protocol: 'kernel' };
    const ours: HostRoute = { dst: '10.42.1.0/24', dev: 'skbxxxx', protocol: '83', metric: m };
    const withoutLocal = LAN.filter((r) => r !== LAN[2]);
    it.each([
      { name: "the kernel's route is there: nothing to do", routes: [...LAN], add: false, warn: false, remove: [] as string[] },
      { name: 'it is gone: the node adds its own, and says so', routes: withoutLocal, add: true, warn: true, remove: [] },
      { name: 'it is still gone, the node\'s own is in place: kept, said once', routes: [...withoutLocal, ours], add: true, warn: false, remove: [] },
      { name: "the kernel's is back: the node's own goes", routes: [...LAN, ours], add: false, warn: false, remove: ['10.42.1.0/24'] },
      { name: 'a route of the CIDR to another device is not the bridge\'s', routes: [...withoutLocal, { ...kernel, dev: 'br-other' }], add: true, warn: true, remove: [] },
    ])('$name', ({ routes, add, warn, remove }) => {
      const plan = planRoutes(desired({ peers: [], podBridge: 'skbxxxx' }), { routes, direct: new Set() });
      expect(plan.add).toEqual(add ? [{ dst: '10.42.1.0/24', dev: 'skbxxxx' }] : []);
      expect(plan.warnings).toEqual(warn ? ["the host had no route to this node's pods (10.42.1.0/24 dev skbxxxx; another program removed it?): added it, or Services and DNS would not reach pods here"] : []);
      expect(plan.remove.map((r) => r.dst)).toEqual(remove);
    });

    it('takes the bridge only as a device name from the agent', () => {
      const base = { node: 'n1', clusterCIDR: '10.42.0.0/16', nodeIP: '10.77.0.11', podCIDR: '10.42.1.0/24', backend: 'auto', vxlan: { vni: 1, port: 8472 }, peers: [], rules: [] };
      expect(validateDesired({ ...base, podBridge: 'skbwml342a7' }).podBridge).toBe('skbwml342a7');
      for (const bad of ['-dev', 'skb x', 'skb;reboot', 'a-name-longer-than-15', '']) expect(() => validateDesired({ ...base, podBridge: bad }), bad).toThrow(/podBridge/);
    });

    it('says nothing before the node knows its bridge or its pod CIDR', () => {
      expect(planRoutes(desired({ peers: [] }), { routes: withoutLocal, direct: new Set() }).add).toEqual([]);
      expect(planRoutes(desired({ peers: [], podCIDR: undefined, podBridge: 'skbxxxx' }), { routes: withoutLocal, direct: new Set() }).add).toEqual([]);
    });
  });

  it('cannot build VXLAN before the node has its pod CIDR', () => {
    const plan = planRoutes(desired({ podCIDR: undefined, backend: 'vxlan' }), { routes: LAN, direct: new Set() });
    expect(plan.peers.map((p) => p.error)).toEqual(["this node has no pod CIDR yet, so its VXLAN device has no address", "this node has no pod CIDR yet, so its VXLAN device has no address"]);
  });

  describe('wireguard', () => {
    const K2 = 'hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=';
    const K3 = 'Q0IDcHTO01OZ3HlViT9hzkfQgGQUKqWBZw1qb5yjJnk=';
    const PRIV = 'dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo=';
    const wg = (over: Partial<HostNetDesired> = {}) =>
      desired({
        backend: 'wireguard',
        wireguard: { port: 51820, privateKey: PRIV, mtu: 1420 },
        peers: [
          { node: 'n2', podCIDR: '10.42.2.0/24', nodeIP: '10.77.0.12', publicKey: K2 },
          { node: 'n3', podCIDR: '10.42.3.0/24', nodeIP: '192.168.50.3', publicKey: K3 },
        ],
        ...over,
      });

    it('routes every peer, on the shared network or not, through the device, one peer per node', () => {
      const plan = planRoutes(wg(), { routes: LAN, direct: new Set(['10.77.0.12']) });
      expect(plan.peers).toEqual([
        { peer: 'n2', podCIDR: '10.42.2.0/24', mode: 'wireguard' },
        { peer: 'n3', podCIDR: '10.42.3.0/24', mode: 'wireguard' },
      ]);
      expect(plan.add).toEqual([
        { dst: '10.42.2.0/24', dev: wireguardDevice('n1') },
        { dst: '10.42.3.0/24', dev: wireguardDevice('n1') },
      ]);
      expect(plan.wireguard).toEqual({
        device: wireguardDevice('n1'),
        address: '10.42.1.0/32',
        port: 51820,
        mtu: 1420,
        peers: [
          { publicKey: K2, endpoint: '10.77.0.12:51820', allowedIPs: '10.42.2.0/24', keepalive: 25 },
          { publicKey: K3, endpoint: '192.168.50.3:51820', allowedIPs: '10.42.3.0/24', keepalive: 25 },
        ],
      });
      expect(plan.vxlan).toBeUndefined();
      expect(JSON.stringify(plan)).not.toContain(PRIV);
    });

    it('waits for a peer\'s public key, and keeps the device without peers', () => {
      const plan = planRoutes(wg({ peers: [{ node: 'n2', podCIDR: '10.42.2.0/24', nodeIP: '10.77.0.12' }] }), { routes: LAN, direct: new Set() });
      expect(plan.peers[0]?.error).toBe('node n2 has not published its WireGuard public key yet');
      expect(plan.add).toEqual([]);
      expect(plan.wireguard?.peers).toEqual([]);
    });

    it('has no device before the node has a pod CIDR, nor with another backend; its old routes go', () => {
      expect(planRoutes(wg({ podCIDR: undefined }), { routes: LAN, direct: new Set() }).wireguard).toBeUndefined();
      const m = routeMetric('n1');
      const routes: HostRoute[] = [...LAN, { dst: '10.42.2.0/24', dev: wireguardDevice('n1'), protocol: '83', metric: m }];
      const plan = planRoutes(desired({ backend: 'host-gw', peers: [] }), { routes, direct: new Set() });
      expect(plan.wireguard).toBeUndefined();
      expect(plan.remove.map((r) => r.dst)).toEqual(['10.42.2.0/24']);
    });

    describe('auto: in the clear on trusted networks, WireGuard beyond them', () => {
      const auto = (trustedNetworks?: string[]) => wg({ backend: 'auto', ...(trustedNetworks ? { trustedNetworks } : {}) });
      const WG = wireguardDevice('n1');
      const VX = vxlanDevice('n1');
      it.each([
        { name: 'unset: only the shared LAN is trusted', trusted: undefined, modes: { n2: 'host-gw', n3: 'wireguard' }, add: [{ dst: '10.42.2.0/24', via: '10.77.0.12' }, { dst: '10.42.3.0/24', dev: WG }], wgPeers: ['192.168.50.3:51820'], vxlan: false },
        { name: 'both networks trusted: host-gw and VXLAN, no device', trusted: ['10.77.0.0/24', '192.168.50.0/24'], modes: { n2: 'host-gw', n3: 'vxlan' }, add: [{ dst: '10.42.2.0/24', via: '10.77.0.12' }, { dst: '10.42.3.0/24', via: '10.42.3.0', dev: VX }], wgPeers: undefined, vxlan: true },
        { name: 'everything trusted', trusted: ['0.0.0.0/0'], modes: { n2: 'host-gw', n3: 'vxlan' }, add: [{ dst: '10.42.2.0/24', via: '10.77.0.12' }, { dst: '10.42.3.0/24', via: '10.42.3.0', dev: VX }], wgPeers: undefined, vxlan: true },
        { name: 'nothing trusted: every peer encrypted, the shared LAN too', trusted: [], modes: { n2: 'wireguard', n3: 'wireguard' }, add: [{ dst: '10.42.2.0/24', dev: WG }, { dst: '10.42.3.0/24', dev: WG }], wgPeers: ['10.77.0.12:51820', '192.168.50.3:51820'], vxlan: false },
        { name: 'only the peer\'s network trusted: this node is outside it, so both encrypted', trusted: ['192.168.50.0/24'], modes: { n2: 'wireguard', n3: 'wireguard' }, add: [{ dst: '10.42.2.0/24', dev: WG }, { dst: '10.42.3.0/24', dev: WG }], wgPeers: ['10.77.0.12:51820', '192.168.50.3:51820'], vxlan: false },
        { name: 'a trusted network spanning both sites: routed peer over VXLAN', trusted: ['10.0.0.0/8', '192.168.0.0/16'], modes: { n2: 'host-gw', n3: 'vxlan' }, add: [{ dst: '10.42.2.0/24', via: '10.77.0.12' }, { dst: '10.42.3.0/24', via: '10.42.3.0', dev: VX }], wgPeers: undefined, vxlan: true },
      ])('$name', ({ trusted, modes, add, wgPeers, vxlan }) => {
        const plan = planRoutes(auto(trusted), { routes: LAN, direct: new Set(['10.77.0.12']) });
        expect(Object.fromEntries(plan.peers.map((p) => [p.peer, p.mode]))).toEqual(modes);
        expect(plan.peers.every((p) => !p.error)).toBe(true);
        expect(plan.add).toEqual(add);
        expect(plan.wireguard?.peers.map((p) => p.endpoint)).toEqual(wgPeers);
        expect(plan.vxlan !== undefined).toBe(vxlan);
      });

      it('both ends choose alike: each judges the same pair of addresses', () => {
        for (const trusted of [undefined, ['10.77.0.0/24'], ['10.77.0.0/24', '192.168.50.0/24'], []]) {
          const here = planRoutes(auto(trusted), { routes: LAN, direct: new Set(['10.77.0.12']) });
          const there = planRoutes(wg({ backend: 'auto', node: 'n3', nodeIP: '192.168.50.3', podCIDR: '10.42.3.0/24', peers: [{ node: 'n1', podCIDR: '10.42.1.0/24', nodeIP: '10.77.0.11', publicKey: K2 }], ...(trusted ? { trustedNetworks: trusted } : {}) }), { routes: [], direct: new Set() });
          expect(there.peers[0]?.mode === 'wireguard').toBe(here.peers.find((p) => p.peer === 'n3')?.mode === 'wireguard');
        }
      });

      it('never falls back to the clear: without its own key or the peer\'s, the untrusted peer gets no route, and says why', () => {
        const noKey = planRoutes(desired({ backend: 'auto' }), { routes: LAN, direct: new Set(['10.77.0.12']) });
        expect(noKey.add).toEqual([{ dst: '10.42.2.0/24', via: '10.77.0.12' }]);
        expect(noKey.peers.find((p) => p.peer === 'n3')).toEqual({
          peer: 'n3',
          podCIDR: '10.42.3.0/24',
          mode: 'wireguard',
          error: 'pod traffic to 192.168.50.3 leaves the trusted networks (directly connected networks only; SKIFF_TRUSTED_NETWORKS lists others), so it goes through WireGuard, and this node has no WireGuard key',
        });
        expect(noKey.wireguard).toBeUndefined();
        const noPeerKey = planRoutes(auto(['10.77.0.0/24']), { routes: LAN, direct: new Set(['10.77.0.12']) });
        const withoutKey = planRoutes({ ...auto(['10.77.0.0/24']), peers: [{ node: 'n3', podCIDR: '10.42.3.0/24', nodeIP: '192.168.50.3' }] }, { routes: LAN, direct: new Set() });
        expect(noPeerKey.peers.find((p) => p.peer === 'n3')?.mode).toBe('wireguard');
        expect(withoutKey.peers[0]?.error).toBe('pod traffic to 192.168.50.3 leaves the trusted networks (10.77.0.0/24), so it goes through WireGuard, and node n3 has not published its WireGuard public key yet');
        expect(withoutKey.add).toEqual([]);
      });
    });

    it('never takes its own device for a directly connected network', () => {
      expect(directlyConnected('10.42.2.5', [{ dst: '10.42.2.0/24', dev: wireguardDevice('n1') }])).toBe(false);
    });
  });
});
