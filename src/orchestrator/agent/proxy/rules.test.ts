import { describe, expect, it } from 'vitest';
import type { DiscoveryEndpointSlice, Service } from '../../api/types.js';
import { ruleArgs } from '../hostnet/render.js';
import { buildProxyRules, endpointChain, servicePortId, type ProxyInput } from './rules.js';

const NODE = { name: 'n1', clusterCIDR: '10.42.0.0/16', podCIDR: '10.42.1.0/24' };

function svc(name: string, spec: Partial<Service['spec']>, status?: Service['status']): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { type: 'ClusterIP', clusterIP: '10.96.0.50', ports: [{ port: 80, protocol: 'TCP' }], ...spec }, ...(status ? { status } : {}) };
}

type Ep = { ip: string; node?: string; ready?: boolean };
function slice(service: string, eps: Ep[], ports: { name?: string; port: number; protocol?: string }[] = [{ port: 8080, protocol: 'TCP' }]): DiscoveryEndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-x`, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: eps.map((e) => ({ addresses: [e.ip], ...(e.ready === undefined ? {} : { conditions: { ready: e.ready } }), ...(e.node ? { nodeName: e.node } : {}) })),
    ports,
  };
}

/**
 * The rules as `TABLE CHAIN args` lines, with hashed chain names spelled out so the expectations
 * read like kube-proxy's: `C-web` (all endpoints), `L-web`, `X-web`, `E-web@10.42.2.5:8080`.
 */
function lines(input: ProxyInput, names: Record<string, { svc: string; port?: string; protocol?: string; eps?: string[] }>): string[] {
  const alias = new Map<string, string>();
  for (const [short, n] of Object.entries(names)) {
    const id = servicePortId(`default/${n.svc}`, { ...(n.port ? { name: n.port } : {}), protocol: (n.protocol ?? 'TCP') as 'TCP' });
    for (const k of ['C', 'L', 'X', 'F']) alias.set(`${k}-${id}`, `${k}-${short}`);
    for (const ep of n.eps ?? []) {
      const [ip, port] = ep.split(':');
      alias.set(endpointChain(id, { ip: ip as string, port: Number(port) }), `E-${short}@${ep}`);
    }
  }
  const name = (c: string) => alias.get(c) ?? c;
  return buildProxyRules(input).rules.map((r) => `${r.table} ${name(r.chain)} ${ruleArgs(r, name).join(' ')}`);
}

const base = (services: Service[], slices: DiscoveryEndpointSlice[], extra: Partial<ProxyInput> = {}): ProxyInput => ({ node: NODE, services, slices, ...extra });

describe('service proxy rules', () => {
  it('links the entry chains, masquerades pod traffic leaving the cluster and accepts the cluster\'s forwarding', () => {
    const out = lines(base([], []), {});
    expect(out).toEqual(
      expect.arrayContaining([
        'nat PRE -m comment --comment "skiff service portals" -j SVCS',
        'nat OUT -m comment --comment "skiff service portals" -j SVCS',
        'nat POST -m comment --comment "pod traffic leaving the cluster" -s 10.42.1.0/24 ! -d 10.42.0.0/16 -j MASQUERADE',
        'nat POST -m mark ! --mark 0x400000/0x400000 -j RETURN',
        'nat POST -j MARK --xor-mark 0x400000',
        'nat MASQ -j MARK --or-mark 0x400000',
        'filter FWD -m comment --comment "pod traffic" -s 10.42.0.0/16 -j ACCEPT',
        'filter FWD -m comment --comment "pod traffic" -d 10.42.0.0/16 -j ACCEPT',
        'filter FWD -m conntrack --ctstate NEW -j SVCS',
      ]),
    );
    expect(out.at(-1)).toBe('nat SVCS -m comment --comment "skiff service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j NODEPORTS');
  });

  const cases: { name: string; input: ProxyInput; names: Parameters<typeof lines>[1]; has: string[]; hasNot?: RegExp[]; ports?: string[] }[] = [
    {
      name: 'ClusterIP over two ready endpoints: equal chance, hairpin masquerade, DNAT; unready endpoints get nothing',
      input: base([svc('web', {})], [slice('web', [{ ip: '10.42.1.5', node: 'n1' }, { ip: '10.42.2.5', node: 'n2' }, { ip: '10.42.3.5', node: 'n3', ready: false }])]),
      names: { web: { svc: 'web', eps: ['10.42.1.5:8080', '10.42.2.5:8080'] } },
      has: [
        'nat SVCS -m comment --comment "default/web cluster IP" -p tcp ! -s 10.42.0.0/16 -d 10.96.0.50/32 -m tcp --dport 80 -j MASQ',
        'nat SVCS -m comment --comment "default/web cluster IP" -p tcp -d 10.96.0.50/32 -m tcp --dport 80 -j C-web',
        'nat C-web -m comment --comment "default/web -> 10.42.1.5:8080" -m statistic --mode random --probability 0.5000000000 -j E-web@10.42.1.5:8080',
        'nat C-web -m comment --comment "default/web -> 10.42.2.5:8080" -j E-web@10.42.2.5:8080',
        'nat E-web@10.42.2.5:8080 -m comment --comment "default/web" -s 10.42.2.5/32 -j MASQ',
        'nat E-web@10.42.2.5:8080 -m comment --comment "default/web" -p tcp -j DNAT --to-destination 10.42.2.5:8080',
      ],
      hasNot: [/10\.42\.3\.5/],
    },
    {
      name: 'no endpoint at all: new connections are rejected at once',
      input: base([svc('web', {})], [slice('web', [{ ip: '10.42.3.5', ready: false }])]),
      names: {},
      has: ['filter SVCS -m comment --comment "default/web has no endpoints" -p tcp -d 10.96.0.50/32 -m tcp --dport 80 -j REJECT'],
      hasNot: [/nat SVCS .*default\/web cluster IP/],
    },
    {
      name: 'UDP and a second named port each get their own chain, paired with the slice port of the same name',
      input: base(
        [svc('dns', { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] })],
        [slice('dns', [{ ip: '10.42.1.9', node: 'n1' }], [{ name: 'dns', port: 5353, protocol: 'UDP' }, { name: 'dns-tcp', port: 5354, protocol: 'TCP' }])],
      ),
      names: { udp: { svc: 'dns', port: 'dns', protocol: 'UDP', eps: ['10.42.1.9:5353'] }, tcp: { svc: 'dns', port: 'dns-tcp', eps: ['10.42.1.9:5354'] } },
      has: [
        'nat SVCS -m comment --comment "default/dns:dns cluster IP" -p udp -d 10.96.0.50/32 -m udp --dport 53 -j C-udp',
        'nat E-udp@10.42.1.9:5353 -m comment --comment "default/dns:dns" -p udp -j DNAT --to-destination 10.42.1.9:5353',
        'nat E-tcp@10.42.1.9:5354 -m comment --comment "default/dns:dns-tcp" -p tcp -j DNAT --to-destination 10.42.1.9:5354',
      ],
    },
    {
      name: 'sessionAffinity ClientIP: a client sticks to the endpoint it got, for the configured time',
      input: base([svc('web', { sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } } })], [slice('web', [{ ip: '10.42.1.5' }, { ip: '10.42.2.5' }])]),
      names: { web: { svc: 'web', eps: ['10.42.1.5:8080', '10.42.2.5:8080'] } },
      has: [
        'nat C-web -m comment --comment "default/web" -m recent --name E-web@10.42.1.5:8080 --rcheck --seconds 600 --reap -j E-web@10.42.1.5:8080',
        'nat E-web@10.42.2.5:8080 -m comment --comment "default/web" -p tcp -m recent --name E-web@10.42.2.5:8080 --set -j DNAT --to-destination 10.42.2.5:8080',
      ],
    },
    {
      name: 'internalTrafficPolicy Local: only this node\'s endpoints',
      input: base([svc('web', { internalTrafficPolicy: 'Local' })], [slice('web', [{ ip: '10.42.1.5', node: 'n1' }, { ip: '10.42.2.5', node: 'n2' }])]),
      names: { web: { svc: 'web', eps: ['10.42.1.5:8080', '10.42.2.5:8080'] } },
      has: ['nat SVCS -m comment --comment "default/web cluster IP" -p tcp -d 10.96.0.50/32 -m tcp --dport 80 -j L-web', 'nat L-web -m comment --comment "default/web -> 10.42.1.5:8080" -j E-web@10.42.1.5:8080'],
      hasNot: [/E-web@10\.42\.2\.5/],
    },
    {
      name: 'internalTrafficPolicy Local with no local endpoint: dropped, not sent elsewhere',
      input: base([svc('web', { internalTrafficPolicy: 'Local' })], [slice('web', [{ ip: '10.42.2.5', node: 'n2' }])]),
      names: {},
      has: ['filter SVCS -m comment --comment "default/web has no local endpoints" -p tcp -d 10.96.0.50/32 -m tcp --dport 80 -j DROP'],
    },
    {
      name: 'NodePort: on this node\'s addresses, masqueraded, to any endpoint; the port is held',
      input: base([svc('web', { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] })], [slice('web', [{ ip: '10.42.2.5', node: 'n2' }])]),
      names: { web: { svc: 'web', eps: ['10.42.2.5:8080'] } },
      has: [
        'nat NODEPORTS -m comment --comment "default/web" -p tcp -m tcp --dport 30080 -j X-web',
        'nat X-web -m comment --comment "masquerade traffic for external destinations" -j MASQ',
        'nat X-web -j C-web',
      ],
      ports: ['30080/TCP'],
    },
    {
      name: 'externalTrafficPolicy Local: outside clients keep their address and reach local endpoints only; pods and the host reach any',
      input: base([svc('web', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] })], [slice('web', [{ ip: '10.42.1.5', node: 'n1' }, { ip: '10.42.2.5', node: 'n2' }])]),
      names: { web: { svc: 'web', eps: ['10.42.1.5:8080', '10.42.2.5:8080'] } },
      has: [
        'nat X-web -m comment --comment "pod traffic for default/web external destinations" -s 10.42.0.0/16 -j C-web',
        'nat X-web -m comment --comment "masquerade LOCAL traffic for default/web external destinations" -m addrtype --src-type LOCAL -j MASQ',
        'nat X-web -j L-web',
        'nat L-web -m comment --comment "default/web -> 10.42.1.5:8080" -j E-web@10.42.1.5:8080',
      ],
      hasNot: [/X-web .*-j MASQ$(?<!LOCAL.*)/],
      ports: ['30080/TCP'],
    },
    {
      name: 'externalTrafficPolicy Local with no local endpoint: outside clients are dropped here',
      input: base([svc('web', { type: 'NodePort', externalTrafficPolicy: 'Local', ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] })], [slice('web', [{ ip: '10.42.2.5', node: 'n2' }])]),
      names: { web: { svc: 'web' } },
      has: ['nat X-web -m comment --comment "default/web has no local endpoints" -j DROP', 'nat DROP -j MARK --or-mark 0x800000'],
      ports: ['30080/TCP'],
    },
    {
      name: 'LoadBalancer with addresses: its port on this node\'s addresses and on every ingress address',
      input: base(
        [svc('lb', { type: 'LoadBalancer', ports: [{ port: 8080, protocol: 'TCP', nodePort: 31000 }] }, { loadBalancer: { ingress: [{ ip: '10.77.0.11' }, { ip: '10.77.0.12' }] } })],
        [slice('lb', [{ ip: '10.42.2.5' }])],
      ),
      names: { lb: { svc: 'lb' } },
      has: [
        'nat NODEPORTS -m comment --comment "default/lb" -p tcp -m tcp --dport 31000 -j X-lb',
        'nat NODEPORTS -m comment --comment "default/lb" -p tcp -m tcp --dport 8080 -j X-lb',
        'nat SVCS -m comment --comment "default/lb loadbalancer IP" -p tcp -d 10.77.0.12/32 -m tcp --dport 8080 -j X-lb',
      ],
      ports: ['31000/TCP', '8080/TCP'],
    },
    {
      name: 'LoadBalancer whose ingress leaves this node out (a hostPort holds the port here): its port is neither held nor routed here, the others\' addresses still are',
      input: base(
        [svc('lb', { type: 'LoadBalancer', ports: [{ port: 8080, protocol: 'TCP', nodePort: 31000 }] }, { loadBalancer: { ingress: [{ ip: '10.77.0.12' }] } })],
        [slice('lb', [{ ip: '10.42.2.5' }])],
        { node: { ...NODE, addresses: ['10.77.0.11'] } },
      ),
      names: { lb: { svc: 'lb' } },
      has: [
        'nat NODEPORTS -m comment --comment "default/lb" -p tcp -m tcp --dport 31000 -j X-lb',
        'nat SVCS -m comment --comment "default/lb loadbalancer IP" -p tcp -d 10.77.0.12/32 -m tcp --dport 8080 -j X-lb',
      ],
      hasNot: [/NODEPORTS .*--dport 8080/],
      ports: ['31000/TCP'],
    },
    {
      name: 'LoadBalancer whose ingress names this node: its port held and routed here',
      input: base(
        [svc('lb', { type: 'LoadBalancer', ports: [{ port: 8080, protocol: 'TCP', nodePort: 31000 }] }, { loadBalancer: { ingress: [{ ip: '10.77.0.11' }, { ip: '10.77.0.12' }] } })],
        [slice('lb', [{ ip: '10.42.2.5' }])],
        { node: { ...NODE, addresses: ['10.77.0.11'] } },
      ),
      names: { lb: { svc: 'lb' } },
      has: ['nat NODEPORTS -m comment --comment "default/lb" -p tcp -m tcp --dport 8080 -j X-lb'],
      ports: ['31000/TCP', '8080/TCP'],
    },
    {
      name: 'LoadBalancer left out here, no node ports, no external IPs: its other addresses are still routed from here',
      input: base(
        [svc('lb', { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ port: 8080, protocol: 'TCP' }] }, { loadBalancer: { ingress: [{ ip: '10.77.0.12' }] } })],
        [slice('lb', [{ ip: '10.42.2.5' }])],
        { node: { ...NODE, addresses: ['10.77.0.11'] } },
      ),
      names: { lb: { svc: 'lb' } },
      has: ['nat SVCS -m comment --comment "default/lb loadbalancer IP" -p tcp -d 10.77.0.12/32 -m tcp --dport 8080 -j X-lb', 'nat X-lb -j C-lb'],
      hasNot: [/NODEPORTS .*--dport/],
      ports: [],
    },
    {
      name: 'LoadBalancer with loadBalancerSourceRanges: its port passes a firewall chain (those ranges and the nodes), its node port does not',
      input: base(
        [svc('lb', { type: 'LoadBalancer', loadBalancerSourceRanges: ['192.168.7.0/24', ' 10.1.2.3/8 ', '2001:db8::/64'], ports: [{ port: 8080, protocol: 'TCP', nodePort: 31000 }] }, { loadBalancer: { ingress: [{ ip: '10.77.0.11' }] } })],
        [slice('lb', [{ ip: '10.42.2.5' }])],
      ),
      names: { lb: { svc: 'lb' } },
      has: [
        'nat NODEPORTS -m comment --comment "default/lb" -p tcp -m tcp --dport 31000 -j X-lb',
        'nat NODEPORTS -m comment --comment "default/lb" -p tcp -m tcp --dport 8080 -j F-lb',
        'nat SVCS -m comment --comment "default/lb loadbalancer IP" -p tcp -d 10.77.0.11/32 -m tcp --dport 8080 -j F-lb',
        'nat F-lb -m comment --comment "default/lb loadbalancer source range" -s 192.168.7.0/24 -j X-lb',
        'nat F-lb -m comment --comment "default/lb loadbalancer source range" -s 10.0.0.0/8 -j X-lb',
        'nat F-lb -m comment --comment "default/lb from a node" -s 10.77.0.11/32 -j X-lb',
        'nat F-lb -m comment --comment "default/lb source not in loadBalancerSourceRanges" -j DROP',
      ],
      hasNot: [/--dport 8080 -j X-lb/, /2001:db8/],
      ports: ['31000/TCP', '8080/TCP'],
    },
    {
      name: 'LoadBalancer whose source ranges are all IPv6: no IPv4 client but the nodes passes',
      input: base(
        [svc('lb', { type: 'LoadBalancer', loadBalancerSourceRanges: ['2001:db8::/64'], ports: [{ port: 8080, protocol: 'TCP', nodePort: 31000 }] }, { loadBalancer: { ingress: [{ ip: '10.77.0.11' }] } })],
        [slice('lb', [{ ip: '10.42.2.5' }])],
      ),
      names: { lb: { svc: 'lb' } },
      has: ['nat F-lb -m comment --comment "default/lb from a node" -s 10.77.0.11/32 -j X-lb', 'nat F-lb -m comment --comment "default/lb source not in loadBalancerSourceRanges" -j DROP'],
      hasNot: [/source range"/],
      ports: ['31000/TCP', '8080/TCP'],
    },
    {
      name: 'LoadBalancer without an address (its port is taken): only its node port',
      input: base([svc('lb', { type: 'LoadBalancer', ports: [{ port: 8080, protocol: 'TCP', nodePort: 31000 }] })], [slice('lb', [{ ip: '10.42.2.5' }])]),
      names: { lb: { svc: 'lb' } },
      has: ['nat NODEPORTS -m comment --comment "default/lb" -p tcp -m tcp --dport 31000 -j X-lb'],
      hasNot: [/--dport 8080 -j X-lb/],
      ports: ['31000/TCP'],
    },
    {
      name: 'a node port another program holds is not routed here (but still wanted)',
      input: base([svc('web', { type: 'NodePort', ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] })], [slice('web', [{ ip: '10.42.2.5' }])], { busyPorts: new Set(['30080/TCP']) }),
      names: { web: { svc: 'web' } },
      has: ['nat SVCS -m comment --comment "default/web cluster IP" -p tcp -d 10.96.0.50/32 -m tcp --dport 80 -j C-web'],
      hasNot: [/NODEPORTS .*30080/],
      ports: ['30080/TCP'],
    },
    {
      name: 'a Service without a selector routes to the addresses its slices list, outside the cluster too',
      input: base([svc('db', { ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }] })], [slice('db', [{ ip: '192.0.2.50' }], [{ name: 'pg', port: 5432, protocol: 'TCP' }])]),
      names: { db: { svc: 'db', port: 'pg', eps: ['192.0.2.50:5432'] } },
      has: ['nat E-db@192.0.2.50:5432 -m comment --comment "default/db:pg" -p tcp -j DNAT --to-destination 192.0.2.50:5432'],
    },
    {
      name: 'externalIPs: the Service port on each external address, as external traffic',
      input: base([svc('web', { externalIPs: ['192.0.2.10'] })], [slice('web', [{ ip: '10.42.2.5' }])]),
      names: { web: { svc: 'web' } },
      has: ['nat SVCS -m comment --comment "default/web external IP" -p tcp -d 192.0.2.10/32 -m tcp --dport 80 -j X-web', 'nat X-web -j C-web'],
    },
    {
      name: 'headless and ExternalName Services have no rules',
      input: base([svc('h', { clusterIP: 'None' }), svc('x', { type: 'ExternalName', clusterIP: undefined, externalName: 'example.com' })], [slice('h', [{ ip: '10.42.1.5' }])]),
      names: {},
      has: [],
      hasNot: [/default\/h/, /default\/x/],
    },
  ];

  it.each(cases)('$name', ({ input, names, has, hasNot, ports }) => {
    const out = lines(input, names);
    for (const l of has) expect(out).toContain(l);
    for (const re of hasNot ?? []) expect(out.filter((l) => re.test(l))).toEqual([]);
    expect(buildProxyRules(input).ports.map((p) => `${p.port}/${p.protocol}`)).toEqual(ports ?? []);
  });

  it('says which Service fields it does not act on', () => {
    const out = buildProxyRules(base([svc('lb', { type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.0/8'], externalIPs: ['2001:db8::1'] })], []));
    expect(out.warnings.map((w) => [w.service, w.message])).toEqual([
      ['default/lb', 'spec.externalIPs ["2001:db8::1"] are not IPv4 addresses and are not routed'],
    ]);
  });

  it('is deterministic: the same input gives the same rules in the same order', () => {
    const input = base([svc('b', {}), svc('a', { clusterIP: '10.96.0.51' })], [slice('a', [{ ip: '10.42.2.6' }, { ip: '10.42.1.6' }]), slice('b', [{ ip: '10.42.1.7' }])]);
    const reversed: ProxyInput = { ...input, services: [...input.services].reverse(), slices: [...input.slices].reverse() };
    expect(buildProxyRules(reversed)).toEqual(buildProxyRules(input));
  });
});
