import { describe, expect, it } from 'vitest';
import type { Endpoints, Pod, Service } from '../orchestrator/api/types.js';
import { pickEndpoint, pickPod } from './forwardTarget.js';

function pod(name: string, phase: string, owner?: string, extra: { deleting?: boolean; ready?: boolean } = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: owner, controller: true }] } : {}), ...(extra.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { containers: [{ name: 'c', image: 'i' }] },
    status: { phase, conditions: [{ type: 'Ready', status: extra.ready === false ? 'False' : 'True' }] },
  } as Pod;
}

const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 8080, targetPort: 'http' }, { name: 'metrics', port: 9090 }] } } as Service;

describe('forward targets', () => {
  it('keeps the named pod while it serves, else follows a running sibling of the same controller', () => {
    const a = pod('web-a', 'Running', 'u1');
    expect(pickPod(a, [], 'u1').pod).toBe(a);
    const b = pod('web-b', 'Running', 'u1');
    const c = pod('web-c', 'Running', 'u2');
    const notReady = pod('web-0', 'Running', 'u1', { ready: false });
    expect(pickPod(undefined, [c, notReady, b], 'u1').pod).toBe(b);
    expect(pickPod(pod('web-a', 'Running', 'u1', { deleting: true }), [c], 'u1').reason).toBe('pod web-a is Running and no replacement runs yet');
    expect(pickPod(undefined, [], undefined).reason).toBe('the pod is gone');
    expect(pickPod(pod('solo', 'Pending'), [], undefined).reason).toBe('pod solo is Pending');
  });

  it("picks a service's first ready endpoint and the port its name resolves to", () => {
    const ep: Endpoints = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web', namespace: 'default' },
      subsets: [
        {
          addresses: [
            { ip: '10.0.0.9', targetRef: { kind: 'Pod', name: 'web-z', namespace: 'default' } },
            { ip: '10.0.0.8', targetRef: { kind: 'Pod', name: 'web-b', namespace: 'default' } },
          ],
          notReadyAddresses: [{ ip: '10.0.0.7', targetRef: { kind: 'Pod', name: 'web-a', namespace: 'default' } }],
          ports: [{ name: 'http', port: 80 }, { name: 'metrics', port: 9100 }],
        },
      ],
    } as Endpoints;
    expect(pickEndpoint(svc, ep, 8080)).toEqual({ pod: 'web-b', port: 80 });
    expect(pickEndpoint(svc, ep, 9090)).toEqual({ pod: 'web-b', port: 9100 });
    expect(pickEndpoint(svc, ep, 1)).toEqual({ reason: 'service web has no port 1' });
    expect(pickEndpoint(svc, { ...ep, subsets: [] }, 8080)).toEqual({ reason: 'service web has no ready endpoints' });
  });
});
