import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../defaults.js';
import { resourceType } from '../resources.js';
import type { KubeObject } from '../types.js';

const podTemplate = { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
const selector = { matchLabels: { app: 'a' } };

function fresh(resource: string, o: Record<string, unknown>): Record<string, unknown> {
  const r = resourceType(resource);
  const obj = { apiVersion: r.group ? `${r.group}/${r.version}` : r.version, kind: r.kind, metadata: { name: 'x', namespace: 'default' }, ...o } as KubeObject;
  applyDefaults(r, obj);
  return obj as unknown as Record<string, unknown>;
}

// What kube-apiserver 1.32 answers for each kind right after a create that set none of these.
describe('fields a real server always writes', () => {
  it.each([
    ['services', { spec: { ports: [{ port: 80 }] } }, { loadBalancer: {} }],
    ['ingresses', { spec: {} }, { loadBalancer: {} }],
    ['deployments', { spec: { selector, template: podTemplate } }, {}],
    ['replicasets', { spec: { selector, template: podTemplate } }, { replicas: 0 }],
    ['daemonsets', { spec: { selector, template: podTemplate } }, { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 }],
    ['statefulsets', { spec: { selector, template: podTemplate, serviceName: 's' } }, { replicas: 0, availableReplicas: 0 }],
    ['jobs', { spec: { template: { ...podTemplate, spec: { ...podTemplate.spec, restartPolicy: 'Never' } } } }, {}],
  ])('%s: status', (resource, body, status) => {
    expect(fresh(resource, body).status).toEqual(status);
  });

  it('pod templates carry creationTimestamp: null, as every embedded ObjectMeta does', () => {
    const d = fresh('deployments', { spec: { selector, template: podTemplate } }) as { spec: { template: { metadata: unknown } } };
    expect(d.spec.template.metadata).toEqual({ labels: { app: 'a' }, creationTimestamp: null });
    const s = fresh('statefulsets', { spec: { selector, template: podTemplate, serviceName: 's', volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: {} }] } }) as {
      spec: { volumeClaimTemplates: Record<string, unknown>[] };
    };
    expect(s.spec.volumeClaimTemplates[0]).toMatchObject({ metadata: { name: 'data', creationTimestamp: null }, status: { phase: 'Pending' } });
  });

  it('events, leases and nodes', () => {
    expect(fresh('events', { involvedObject: { kind: 'Pod', name: 'p' }, reason: 'R' })).toMatchObject({
      source: {},
      firstTimestamp: null,
      lastTimestamp: null,
      eventTime: null,
      reportingComponent: '',
      reportingInstance: '',
    });
    expect(fresh('leases', {}).spec).toEqual({});
    const n = fresh('nodes', {}) as { spec: unknown; status: { daemonEndpoints: unknown; nodeInfo: Record<string, string> } };
    expect(n.spec).toEqual({});
    expect(n.status.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 0 } });
    expect(n.status.nodeInfo.machineID).toBe('');
  });

  it('never overwrites what is there', () => {
    expect(fresh('services', { spec: { ports: [{ port: 80 }] }, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } }).status).toEqual({ loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } });
    expect(fresh('replicasets', { spec: { selector, template: podTemplate }, status: { replicas: 3 } }).status).toEqual({ replicas: 3 });
  });
});
