import { describe, expect, it } from 'vitest';
import type { Node, Service } from '../../../orchestrator/api/types.js';
import { node } from '../../testing/fixtures.js';
import { applyTable, emptyRows } from '../resources/tableModel.js';
import { parseIngresses } from '../../graph/ingresses.js';
import { serviceAnswers } from './answers.js';
import { withAnswers } from './answersColumn.js';

const svc: Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    type: 'LoadBalancer',
    clusterIP: '10.96.0.20',
    clusterIPs: ['10.96.0.20'],
    ports: [
      { name: 'http', port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' },
      { name: 'dns', port: 53, nodePort: 30053, protocol: 'UDP' },
    ],
  },
  status: { loadBalancer: { ingress: [{ ip: '10.77.0.5' }] } },
};
const n1: Node = { ...node('n1'), status: { addresses: [{ type: 'InternalIP', address: '10.77.0.2' }, { type: 'Hostname', address: 'n1' }] } };

const ingressList = {
  items: [
    {
      metadata: { name: 'site', namespace: 'shop' },
      spec: {
        tls: [{ hosts: ['secure.example'] }],
        rules: [
          { host: 'shop.example', http: { paths: [{ path: '/api', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80 } } } }] } },
          { host: 'secure.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { name: 'http' } } } }] } },
          { http: { paths: [{ path: '/x', pathType: 'Exact', backend: { service: { name: 'web', port: { number: 80 } } } }] } },
          { host: 'other.example', http: { paths: [{ path: '/', backend: { service: { name: 'db', port: { number: 5432 } } } }] } },
          { host: 'wrongport.example', http: { paths: [{ path: '/', backend: { service: { name: 'web', port: { number: 9999 } } } }] } },
        ],
      },
      status: { loadBalancer: { ingress: [{ ip: '10.77.0.2' }] } },
    },
    { metadata: { name: 'bad' } },
    { metadata: { name: 'elsewhere', namespace: 'other' }, spec: { rules: [{ host: 'x.example', http: { paths: [{ path: '/', backend: { service: { name: 'web', port: { number: 80 } } } }] } }] } },
  ],
};

describe('where a Service answers', () => {
  it('lists cluster IP ports, node ports on each node address, load balancer and ingress routes', () => {
    const answers = serviceAnswers(svc, [n1], parseIngresses(ingressList));
    expect(answers.map((a) => [a.via, a.address, a.url])).toEqual([
      ['cluster IP', '10.96.0.20:80/TCP', undefined],
      ['cluster IP', '10.96.0.20:53/UDP', undefined],
      ['node port', '10.77.0.2:30080/TCP', 'http://10.77.0.2:30080/'],
      ['node port', '10.77.0.2:30053/UDP', undefined],
      ['load balancer', '10.77.0.5:80/TCP', 'http://10.77.0.5/'],
      ['load balancer', '10.77.0.5:53/UDP', undefined],
      ['ingress', 'shop.example/api', 'http://shop.example/api'],
      ['ingress', 'secure.example/', 'https://secure.example/'],
      ['ingress', '10.77.0.2/x', 'http://10.77.0.2/x'],
    ]);
    expect(answers[2]?.detail).toBe('n1');
    expect(answers[6]?.detail).toBe('site (Prefix)');
  });

  it('says nothing for a headless service, and no link for a port that is not plainly web', () => {
    expect(serviceAnswers({ ...svc, spec: { clusterIP: 'None', ports: [] } }, [n1], [])).toEqual([]);
    const db: Service = { ...svc, spec: { type: 'NodePort', clusterIP: '10.96.0.30', ports: [{ port: 5432, nodePort: 30432 }] }, status: {} };
    expect(serviceAnswers(db, [n1], []).map((a) => [a.address, a.url])).toEqual([
      ['10.96.0.30:5432/TCP', undefined],
      ['10.77.0.2:30432/TCP', undefined],
    ]);
  });

  it('reads default backends and leaves malformed Ingresses out', () => {
    const list = parseIngresses({ items: [{ metadata: { name: 'd' }, spec: { defaultBackend: { service: { name: 'web', port: { number: 80 } } } } }, 'junk', { metadata: {}, spec: {} }] });
    expect(list).toEqual([{ name: 'd', namespace: '', tlsHosts: [], addresses: [], routes: [{ path: '/', pathType: 'default backend', service: 'web', port: 80 }] }]);
    expect(parseIngresses(undefined)).toEqual([]);
  });
});

describe('the Services table column', () => {
  it('lists where each Service answers besides its cluster IP, capped with a count', () => {
    const nameCol = { name: 'Name', type: 'string', format: 'name', description: '', priority: 0 };
    const rows = applyTable(emptyRows, { reset: { columns: [nameCol], rows: [{ key: 'shop/web', cells: ['web'], metadata: { name: 'web', namespace: 'shop' } }, { key: 'shop/gone', cells: ['gone'], metadata: { name: 'gone', namespace: 'shop' } }] } });
    const t = withAnswers(rows, { 'shop/web': svc }, [n1], parseIngresses(ingressList));
    expect(t.columns.map((c) => c.name)).toEqual(['Name', 'Answers on']);
    expect(t.rows.get('shop/web')?.cells[1]).toBe('10.77.0.2:30080/TCP, 10.77.0.2:30053/UDP, 10.77.0.5:80/TCP +4');
    expect(t.rows.get('shop/gone')?.cells[1]).toBe('');
  });
});
