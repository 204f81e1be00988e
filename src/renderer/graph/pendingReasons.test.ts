import { describe, expect, it } from 'vitest';
import type { KubeEvent, Pod } from '../../orchestrator/api/types.js';
import { claimWaits, NODE_REASONS_ANNOTATION, pendingReasons } from './pendingReasons.js';

const pod = (annotations?: Record<string, string>, nodeName?: string, message?: string): Pod =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', ...(annotations ? { annotations } : {}) },
    spec: { containers: [{ name: 'c', image: 'i' }], ...(nodeName ? { nodeName } : {}) },
    status: { phase: 'Pending', ...(message ? { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }] } : {}) },
  }) as Pod;

describe('why a pod is pending', () => {
  it('lists each node with what rejected it, sorted by node', () => {
    const ann = { [NODE_REASONS_ANNOTATION]: JSON.stringify({ w2: "node(s) didn't match Pod's node affinity/selector", w1: 'Insufficient cpu; Insufficient memory' }) };
    expect(pendingReasons(pod(ann, undefined, '0/2 nodes are available: 1 Insufficient cpu.'))).toEqual({
      summary: '0/2 nodes are available: 1 Insufficient cpu.',
      nodes: [
        { node: 'w1', reasons: ['Insufficient cpu', 'Insufficient memory'] },
        { node: 'w2', reasons: ["node(s) didn't match Pod's node affinity/selector"] },
      ],
    });
  });

  it('says nothing for a bound pod or one the scheduler has not judged; keeps an unreadable annotation visible', () => {
    expect(pendingReasons(pod({ [NODE_REASONS_ANNOTATION]: '{}' }, 'w1'))).toBeUndefined();
    expect(pendingReasons(pod())).toBeUndefined();
    expect(pendingReasons(pod(undefined, undefined, '0/0 nodes are available'))).toEqual({ summary: '0/0 nodes are available', nodes: [] });
    expect(pendingReasons(pod({ [NODE_REASONS_ANNOTATION]: 'not json' }))).toEqual({ nodes: [], raw: 'not json' });
  });
});

describe('the claims an unscheduled pod waits for', () => {
  const withClaims = (nodeName?: string): Pod => ({
    ...pod(undefined, nodeName),
    spec: { containers: [{ name: 'c', image: 'i' }], ...(nodeName ? { nodeName } : {}), volumes: [{ name: 'a', persistentVolumeClaim: { claimName: 'data' } }, { name: 'b', persistentVolumeClaim: { claimName: 'logs' } }, { name: 'c', emptyDir: {} }, { name: 'd', persistentVolumeClaim: { claimName: 'data' } }] },
  }) as Pod;
  const ev = (name: string, at: string, type: string, reason: string, message: string, kind = 'PersistentVolumeClaim', namespace = 'default'): KubeEvent =>
    ({ apiVersion: 'v1', kind: 'Event', metadata: { name: `${name}.${at}`, namespace }, involvedObject: { kind, namespace, name }, type, reason, message, lastTimestamp: at }) as KubeEvent;

  it.each([
    { name: 'each claim once, with its latest event, whatever the order events arrive in', events: [ev('data', '2026-01-01T00:00:02Z', 'Warning', 'ProvisioningFailed', 'helper cannot start: ImagePullBackOff'), ev('data', '2026-01-01T00:00:01Z', 'Normal', 'Provisioning', 'provisioning')], want: [{ claim: 'data', latest: { type: 'Warning', reason: 'ProvisioningFailed', message: 'helper cannot start: ImagePullBackOff' } }, { claim: 'logs' }] },
    { name: 'events of another namespace or kind are not the claim\'s', events: [ev('data', '2026-01-01T00:00:03Z', 'Warning', 'X', 'other ns', 'PersistentVolumeClaim', 'shop'), ev('data', '2026-01-01T00:00:03Z', 'Warning', 'Y', 'a pod named data', 'Pod')], want: [{ claim: 'data' }, { claim: 'logs' }] },
  ])('$name', ({ events, want }) => {
    expect(claimWaits(withClaims(), events)).toEqual(want);
  });

  it('says nothing for a pod on a node, or one without claims', () => {
    expect(claimWaits(withClaims('n1'), [ev('data', '2026-01-01T00:00:02Z', 'Warning', 'ProvisioningFailed', 'x')])).toEqual([]);
    expect(claimWaits(pod(), [])).toEqual([]);
  });
});
