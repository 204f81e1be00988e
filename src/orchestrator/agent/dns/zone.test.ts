import type { Answer } from 'dns-packet';
import { describe, expect, it } from 'vitest';
import type { DiscoveryEndpointSlice, Service } from '../../api/types.js';
import { ClusterZone, reverseName } from './zone.js';

function svc(name: string, ns: string, spec: Partial<Service['spec']>): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], ...spec } };
}

type Ep = { ip: string; ready?: boolean; hostname?: string };
function slice(service: string, ns: string, eps: Ep[], ports = [{ name: 'http', port: 8080, protocol: 'TCP' }]): DiscoveryEndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-abc`, namespace: ns, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: eps.map((e) => ({ addresses: [e.ip], ...(e.ready === undefined ? {} : { conditions: { ready: e.ready } }), ...(e.hostname ? { hostname: e.hostname } : {}) })),
    ports,
  };
}

/** Answers as `name TYPE ttl data` lines. */
function show(list: Answer[]): string[] {
  return list.map((a) => {
    const data = 'data' in a ? (typeof a.data === 'object' && a.data && 'target' in a.data ? `${a.data.priority} ${a.data.weight} ${a.data.port} ${a.data.target}` : String(a.data)) : '';
    return `${a.name} ${a.type} ${'ttl' in a ? a.ttl : ''} ${data}`;
  });
}

const zone = new ClusterZone({
  services: [
    svc('backend', 'shop', { clusterIP: '10.96.0.50', clusterIPs: ['10.96.0.50'], ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'metrics', port: 9100, protocol: 'TCP' }, { port: 81 }] }),
    svc('web', 'shop', { clusterIP: 'None', clusterIPs: ['None'] }),
    svc('db', 'shop', { clusterIP: 'None', publishNotReadyAddresses: true }),
    svc('search', 'shop', { type: 'ExternalName', externalName: 'search.example.com.' }),
    svc('alias', 'shop', { type: 'ExternalName', externalName: 'Backend.shop.svc.cluster.local' }),
    svc('kube-dns', 'kube-system', { clusterIP: '10.96.0.10', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }),
  ],
  slices: [
    slice('backend', 'shop', [{ ip: '10.42.1.5' }]),
    slice('web', 'shop', [{ ip: '10.42.2.7', hostname: 'web-1' }, { ip: '10.42.1.6', hostname: 'web-0' }, { ip: '10.42.1.9', ready: false, hostname: 'web-2' }, { ip: '10.42.3.3' }]),
    slice('db', 'shop', [{ ip: '10.42.3.4', ready: false }]),
  ],
});

describe('cluster DNS zone', () => {
  it('answers a Service name with its cluster IP, 30 s TTL, whatever the case and final dot', () => {
    expect(show(zone.lookup('backend.shop.svc.cluster.local', 'A')?.answers ?? [])).toEqual(['backend.shop.svc.cluster.local A 30 10.96.0.50']);
    expect(zone.lookup('BACKEND.Shop.svc.cluster.local.', 'A')?.answers).toHaveLength(1);
    expect(zone.lookup('kube-dns.kube-system.svc.cluster.local', 'A')?.answers.map((a) => 'data' in a && a.data)).toEqual(['10.96.0.10']);
  });

  it('answers a headless Service with one record per ready endpoint, and each endpoint by its hostname or dashed address', () => {
    expect(show(zone.lookup('web.shop.svc.cluster.local', 'A')?.answers ?? [])).toEqual([
      'web.shop.svc.cluster.local A 30 10.42.1.6',
      'web.shop.svc.cluster.local A 30 10.42.2.7',
      'web.shop.svc.cluster.local A 30 10.42.3.3',
    ]);
    expect(show(zone.lookup('web-0.web.shop.svc.cluster.local', 'A')?.answers ?? [])).toEqual(['web-0.web.shop.svc.cluster.local A 30 10.42.1.6']);
    expect(show(zone.lookup('10-42-3-3.web.shop.svc.cluster.local', 'A')?.answers ?? [])).toEqual(['10-42-3-3.web.shop.svc.cluster.local A 30 10.42.3.3']);
    // Not ready: not published.
    expect(zone.lookup('web-2.web.shop.svc.cluster.local', 'A')?.rcode).toBe('NXDOMAIN');
  });

  it('publishes not-ready endpoints when the Service says publishNotReadyAddresses', () => {
    expect(show(zone.lookup('db.shop.svc.cluster.local', 'A')?.answers ?? [])).toEqual(['db.shop.svc.cluster.local A 30 10.42.3.4']);
  });

  it('answers SRV for named ports: to the Service, or to each endpoint of a headless one, with the targets\' addresses as additionals', () => {
    const http = zone.lookup('_http._tcp.backend.shop.svc.cluster.local', 'SRV');
    expect(show(http?.answers ?? [])).toEqual(['_http._tcp.backend.shop.svc.cluster.local SRV 30 0 100 80 backend.shop.svc.cluster.local']);
    expect(show(http?.additionals ?? [])).toEqual(['backend.shop.svc.cluster.local A 30 10.96.0.50']);
    expect(show(zone.lookup('_metrics._tcp.backend.shop.svc.cluster.local', 'SRV')?.answers ?? [])).toEqual(['_metrics._tcp.backend.shop.svc.cluster.local SRV 30 0 100 9100 backend.shop.svc.cluster.local']);
    expect(show(zone.lookup('_dns._udp.kube-dns.kube-system.svc.cluster.local', 'SRV')?.answers ?? [])).toEqual(['_dns._udp.kube-dns.kube-system.svc.cluster.local SRV 30 0 100 53 kube-dns.kube-system.svc.cluster.local']);
    expect(show(zone.lookup('_http._tcp.web.shop.svc.cluster.local', 'SRV')?.answers ?? [])).toEqual([
      '_http._tcp.web.shop.svc.cluster.local SRV 30 0 33 8080 10-42-3-3.web.shop.svc.cluster.local',
      '_http._tcp.web.shop.svc.cluster.local SRV 30 0 33 8080 web-0.web.shop.svc.cluster.local',
      '_http._tcp.web.shop.svc.cluster.local SRV 30 0 33 8080 web-1.web.shop.svc.cluster.local',
    ]);
    // The wrong protocol is no such name.
    expect(zone.lookup('_http._udp.backend.shop.svc.cluster.local', 'SRV')?.rcode).toBe('NXDOMAIN');
  });

  it('answers PTR for cluster IPs and headless endpoints, and leaves other reverse names to the upstream', () => {
    expect(show(zone.lookup(reverseName('10.96.0.50') ?? '', 'PTR')?.answers ?? [])).toEqual(['50.0.96.10.in-addr.arpa PTR 30 backend.shop.svc.cluster.local']);
    expect(show(zone.lookup('6.1.42.10.in-addr.arpa', 'PTR')?.answers ?? [])).toEqual(['6.1.42.10.in-addr.arpa PTR 30 web-0.web.shop.svc.cluster.local']);
    expect(zone.lookup('8.8.8.8.in-addr.arpa', 'PTR')).toBeUndefined();
  });

  it('answers ExternalName with a CNAME and names the target still to resolve', () => {
    const out = zone.lookup('search.shop.svc.cluster.local', 'A');
    expect(show(out?.answers ?? [])).toEqual(['search.shop.svc.cluster.local CNAME 30 search.example.com']);
    expect(out?.chase).toBe('search.example.com');
    expect(zone.lookup('search.shop.svc.cluster.local', 'CNAME')?.chase).toBeUndefined();
    expect(zone.lookup('alias.shop.svc.cluster.local', 'A')?.chase).toBe('backend.shop.svc.cluster.local');
  });

  it('says NXDOMAIN for unknown cluster names and NODATA for names that exist with other types', () => {
    expect(zone.lookup('nope.shop.svc.cluster.local', 'A')).toMatchObject({ rcode: 'NXDOMAIN', answers: [] });
    expect(zone.lookup('backend.nope.svc.cluster.local', 'A')?.rcode).toBe('NXDOMAIN');
    expect(zone.lookup('backend.shop.cluster.local', 'A')?.rcode).toBe('NXDOMAIN');
    expect(zone.lookup('backend.shop.svc.cluster.local', 'AAAA')).toMatchObject({ rcode: 'NOERROR', answers: [] });
    expect(zone.lookup('backend.shop.svc.cluster.local', 'MX')).toMatchObject({ rcode: 'NOERROR', answers: [] });
    // Empty non-terminals exist.
    expect(zone.lookup('shop.svc.cluster.local', 'A')).toMatchObject({ rcode: 'NOERROR', answers: [] });
    expect(zone.lookup('svc.cluster.local', 'A')).toMatchObject({ rcode: 'NOERROR', answers: [] });
    expect(zone.soa()).toMatchObject({ type: 'SOA', name: 'cluster.local' });
  });

  it('leaves names outside the cluster domain to the upstream', () => {
    expect(zone.lookup('example.com', 'A')).toBeUndefined();
    expect(zone.lookup('backend.shop.svc.cluster.localx', 'A')).toBeUndefined();
    expect(zone.lookup('backend', 'A')).toBeUndefined();
  });

  it('answers dashed pod addresses under <ns>.pod.<domain>', () => {
    expect(show(zone.lookup('10-42-1-5.shop.pod.cluster.local', 'A')?.answers ?? [])).toEqual(['10-42-1-5.shop.pod.cluster.local A 30 10.42.1.5']);
    expect(zone.lookup('10-42-1-500.shop.pod.cluster.local', 'A')?.rcode).toBe('NXDOMAIN');
  });

  it('serves another cluster domain when told', () => {
    const z = new ClusterZone({ domain: 'skiff.internal', services: [svc('a', 'default', { clusterIP: '10.96.0.9' })], slices: [] });
    expect(z.lookup('a.default.svc.skiff.internal', 'A')?.answers).toHaveLength(1);
    expect(z.lookup('a.default.svc.cluster.local', 'A')).toBeUndefined();
  });

  it('writes reverse names for IPv4 and IPv6', () => {
    expect(reverseName('10.96.0.10')).toBe('10.0.96.10.in-addr.arpa');
    expect(reverseName('fd00::1')).toBe(`1.${'0.'.repeat(29)}d.f.ip6.arpa`);
    expect(reverseName('nope')).toBeUndefined();
  });
});
