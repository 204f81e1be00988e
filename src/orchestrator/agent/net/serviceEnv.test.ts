import { describe, expect, it } from 'vitest';
import type { Pod, Service } from '../../api/types.js';
import { serviceEnv, withServiceEnv } from './serviceEnv.js';

const svc = (ns: string, name: string, spec: Partial<Service['spec']>): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { ports: [{ port: 80, protocol: 'TCP' }], ...spec } });
const pod = (ns: string, extra: Record<string, unknown> = {}): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: ns }, spec: { containers: [{ name: 'c', image: 'x' }], ...extra } });
const SERVICES = [
  svc('default', 'kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] }),
  svc('shop', 'redis-master', { clusterIP: '10.96.0.11', ports: [{ port: 6379, protocol: 'TCP' }] }),
  svc('shop', 'dns', { clusterIP: '10.96.0.12', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }),
  svc('shop', 'headless', { clusterIP: 'None' }),
  svc('other', 'elsewhere', { clusterIP: '10.96.0.13' }),
];

describe('service environment variables', () => {
  it('gives the namespace\'s Services and the API\'s, docker-links style', () => {
    expect(serviceEnv(pod('shop'), SERVICES)).toEqual([
      'DNS_SERVICE_HOST=10.96.0.12',
      'DNS_SERVICE_PORT=53',
      'DNS_SERVICE_PORT_DNS=53',
      'DNS_SERVICE_PORT_DNS_TCP=53',
      'DNS_PORT=udp://10.96.0.12:53',
      'DNS_PORT_53_UDP=udp://10.96.0.12:53',
      'DNS_PORT_53_UDP_PROTO=udp',
      'DNS_PORT_53_UDP_PORT=53',
      'DNS_PORT_53_UDP_ADDR=10.96.0.12',
      'DNS_PORT_53_TCP=tcp://10.96.0.12:53',
      'DNS_PORT_53_TCP_PROTO=tcp',
      'DNS_PORT_53_TCP_PORT=53',
      'DNS_PORT_53_TCP_ADDR=10.96.0.12',
      'KUBERNETES_SERVICE_HOST=10.96.0.1',
      'KUBERNETES_SERVICE_PORT=443',
      'KUBERNETES_SERVICE_PORT_HTTPS=443',
      'KUBERNETES_PORT=tcp://10.96.0.1:443',
      'KUBERNETES_PORT_443_TCP=tcp://10.96.0.1:443',
      'KUBERNETES_PORT_443_TCP_PROTO=tcp',
      'KUBERNETES_PORT_443_TCP_PORT=443',
      'KUBERNETES_PORT_443_TCP_ADDR=10.96.0.1',
      'REDIS_MASTER_SERVICE_HOST=10.96.0.11',
      'REDIS_MASTER_SERVICE_PORT=6379',
      'REDIS_MASTER_PORT=tcp://10.96.0.11:6379',
      'REDIS_MASTER_PORT_6379_TCP=tcp://10.96.0.11:6379',
      'REDIS_MASTER_PORT_6379_TCP_PROTO=tcp',
      'REDIS_MASTER_PORT_6379_TCP_PORT=6379',
      'REDIS_MASTER_PORT_6379_TCP_ADDR=10.96.0.11',
    ]);
  });

  it('keeps only the API\'s with enableServiceLinks: false', () => {
    expect(serviceEnv(pod('shop', { enableServiceLinks: false }), SERVICES).filter((e) => !e.startsWith('KUBERNETES_'))).toEqual([]);
    expect(serviceEnv(pod('shop', { enableServiceLinks: false }), SERVICES)).toContain('KUBERNETES_SERVICE_HOST=10.96.0.1');
  });

  it('lets the container\'s own variables win', () => {
    expect(withServiceEnv(['A_SERVICE_HOST=1', 'B=2'], ['B=mine', 'C=3'])).toEqual(['A_SERVICE_HOST=1', 'B=mine', 'C=3']);
    expect(withServiceEnv(undefined, ['C=3'])).toEqual(['C=3']);
  });
});
