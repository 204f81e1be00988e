import { describe, expect, it } from 'vitest';
import type { HTTPIngressPath, Ingress, IngressPathType } from '../../api/ingress.js';
import type { DiscoveryEndpointSlice, Service } from '../../api/types.js';
import { buildRouteTable, routeRequest, tlsSecretFor, type RouteTable } from './routeTable.js';

function svc(name: string, ports: Service['spec']['ports'] = [{ name: 'http', port: 80, protocol: 'TCP' }], extra: Partial<Service['spec']> = {}): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { type: 'ClusterIP', ports, ...extra } };
}

function slice(service: string, eps: { ip: string; ready?: boolean }[], port = 8080, portName = 'http'): DiscoveryEndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-x`, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: eps.map((e) => ({ addresses: [e.ip], ...(e.ready === undefined ? {} : { conditions: { ready: e.ready } }) })),
    ports: [{ name: portName, port, protocol: 'TCP' }],
  };
}

const path = (p: string, pathType: IngressPathType, service: string, port: { name?: string; number?: number } = { number: 80 }): HTTPIngressPath => ({ path: p, pathType, backend: { service: { name: service, port } } });

function ing(name: string, spec: Ingress['spec'], created = '2026-01-01T00:00:00Z'): Ingress {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name, namespace: 'default', creationTimestamp: created }, spec };
}

const SERVICES = ['a', 'b', 'c', 'd', 'e'].map((n) => svc(n));
const SLICES = SERVICES.map((s, i) => slice(s.metadata.name ?? '', [{ ip: `10.42.1.${i + 1}` }]));

/** Which Service answers (by name), or 404. */
function who(t: RouteTable, host: string | undefined, p: string): string {
  const d = routeRequest(t, host, p);
  return d.kind === 'notFound' ? '404' : (d.backend.name.split('/')[1]?.split(':')[0] ?? '?');
}

describe('route table', () => {
  it('matches Prefix element-wise, Exact exactly, the longest path first', () => {
    const t = buildRouteTable({
      ingresses: [ing('x', { rules: [{ host: 'shop.test', http: { paths: [path('/', 'Prefix', 'a'), path('/api', 'Prefix', 'b'), path('/api/v2/', 'Prefix', 'c'), path('/api', 'Exact', 'd')] } }] })],
      services: SERVICES,
      slices: SLICES,
    });
    expect(who(t, 'shop.test', '/')).toBe('a');
    expect(who(t, 'shop.test', '/apix')).toBe('a');
    expect(who(t, 'shop.test', '/api')).toBe('d');
    expect(who(t, 'shop.test', '/api/')).toBe('b');
    expect(who(t, 'shop.test', '/api/users?x=1')).toBe('b');
    expect(who(t, 'shop.test', '/api/v2')).toBe('c');
    expect(who(t, 'SHOP.test:8080', '/api/v2/x')).toBe('c');
    expect(who(t, 'other.test', '/')).toBe('404');
  });

  it('Exact does not match a trailing slash; ImplementationSpecific is a Prefix', () => {
    const t = buildRouteTable({ ingresses: [ing('x', { rules: [{ http: { paths: [path('/foo', 'Exact', 'a'), path('/bar', 'ImplementationSpecific', 'b')] } }] })], services: SERVICES, slices: SLICES });
    expect(who(t, 'any', '/foo')).toBe('a');
    expect(who(t, 'any', '/foo/')).toBe('404');
    expect(who(t, 'any', '/bar/baz')).toBe('b');
    expect(who(t, 'any', '/barbaz')).toBe('404');
  });

  it('exact hosts before a wildcard of one label, then rules without a host, then defaultBackend', () => {
    const t = buildRouteTable({
      ingresses: [
        ing('wild', { rules: [{ host: '*.example.com', http: { paths: [path('/', 'Prefix', 'b')] } }] }),
        ing('exact', { rules: [{ host: 'www.example.com', http: { paths: [path('/only', 'Prefix', 'a')] } }] }),
        ing('any', { defaultBackend: { service: { name: 'e', port: { number: 80 } } }, rules: [{ http: { paths: [path('/shared', 'Prefix', 'c')] } }] }),
      ],
      services: SERVICES,
      slices: SLICES,
    });
    expect(who(t, 'www.example.com', '/only/x')).toBe('a');
    expect(who(t, 'www.example.com', '/other')).toBe('b');
    expect(who(t, 'api.example.com', '/')).toBe('b');
    expect(who(t, 'a.b.example.com', '/shared')).toBe('c');
    expect(who(t, 'example.com', '/x')).toBe('e');
    expect(who(t, undefined, '/x')).toBe('e');
    expect(who(t, undefined, '/shared')).toBe('c');
  });

  it('an older Ingress wins the same host and path; the oldest defaultBackend is the one', () => {
    const t = buildRouteTable({
      ingresses: [
        ing('new', { defaultBackend: { service: { name: 'b', port: { number: 80 } } }, rules: [{ host: 'h', http: { paths: [path('/', 'Prefix', 'b')] } }] }, '2026-02-01T00:00:00Z'),
        ing('old', { defaultBackend: { service: { name: 'a', port: { number: 80 } } }, rules: [{ host: 'h', http: { paths: [path('/', 'Prefix', 'a')] } }] }, '2026-01-01T00:00:00Z'),
      ],
      services: SERVICES,
      slices: SLICES,
    });
    expect(who(t, 'h', '/')).toBe('a');
    expect(who(t, 'zz', '/')).toBe('a');
  });

  it('sends to the ready endpoints of the named port (by number or name); ExternalName to its host', () => {
    const services = [svc('web', [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'admin', port: 9000, protocol: 'TCP' }]), svc('ext', [{ port: 443 }], { type: 'ExternalName', externalName: 'api.example.org' })];
    const slices = [slice('web', [{ ip: '10.42.1.5' }, { ip: '10.42.2.6', ready: false }, { ip: '10.42.3.7' }], 8080, 'http'), slice('web', [{ ip: '10.42.1.5' }], 9090, 'admin')];
    slices[1]!.metadata.name = 'web-admin';
    const t = buildRouteTable({
      ingresses: [ing('x', { rules: [{ http: { paths: [path('/admin', 'Prefix', 'web', { name: 'admin' }), path('/ext', 'Prefix', 'ext', { number: 443 }), path('/', 'Prefix', 'web', { number: 80 })] } }] })],
      services,
      slices,
    });
    const targets = (p: string) => {
      const d = routeRequest(t, 'h', p);
      return d.kind === 'backend' ? d.backend.targets.map((x) => `${x.host}:${x.port}`) : [];
    };
    expect(targets('/')).toEqual(['10.42.1.5:8080', '10.42.3.7:8080']);
    expect(targets('/admin')).toEqual(['10.42.1.5:9090']);
    expect(targets('/ext')).toEqual(['api.example.org:443']);
    expect(t.problems).toEqual([]);
  });

  it('reports a missing Service, an unknown port name and a resource backend, and routes them to an error', () => {
    const t = buildRouteTable({
      ingresses: [
        ing('bad', {
          defaultBackend: { resource: { apiGroup: 'k8s.example.com', kind: 'StorageBucket', name: 'b' } },
          rules: [{ http: { paths: [path('/gone', 'Prefix', 'nothere'), path('/port', 'Prefix', 'a', { name: 'grpc' })] } }],
        }),
      ],
      services: SERVICES,
      slices: SLICES,
    });
    expect(t.problems.map((p) => `${p.reason} ${p.at}`)).toEqual(['ResourceBackend spec.defaultBackend', 'ServiceNotFound spec.rules[0].http.paths[0].backend', 'PortNotFound spec.rules[0].http.paths[1].backend']);
    const d = routeRequest(t, 'h', '/port');
    expect(d.kind === 'backend' && d.backend.error).toMatch(/no TCP port named "grpc"/);
  });

  it('picks the TLS Secret by SNI: exact host, then wildcard', () => {
    const t = buildRouteTable({
      ingresses: [ing('x', { tls: [{ hosts: ['*.example.com'], secretName: 'wild' }, { hosts: ['www.example.com'], secretName: 'www' }], rules: [{ host: 'www.example.com', http: { paths: [path('/', 'Prefix', 'a')] } }] })],
      services: SERVICES,
      slices: SLICES,
    });
    expect(tlsSecretFor(t, 'www.example.com')).toBe('default/www');
    expect(tlsSecretFor(t, 'API.example.com')).toBe('default/wild');
    expect(tlsSecretFor(t, 'a.b.example.com')).toBeUndefined();
    expect(tlsSecretFor(t, undefined)).toBeUndefined();
  });
});
