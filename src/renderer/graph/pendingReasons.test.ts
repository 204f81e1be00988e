import { describe, expect, it } from 'vitest';
import type { KubeEvent, Pod } from '../../orchestrator/api/types.js';
import { claimReadOf, claimWaits, eventTime, NODE_REASONS_ANNOTATION, pendingReasons, type ClaimRead } from './pendingReasons.js';

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

  const none = new Map<string, ClaimRead>();
  const pending = new Map<string, ClaimRead>([
    ['data', { phase: 'Pending' }],
    ['logs', { phase: 'Pending' }],
  ]);

  it.each([
    { name: 'each claim once, with its latest event, whatever the order events arrive in', events: [ev('data', '2026-01-01T00:00:02Z', 'Warning', 'ProvisioningFailed', 'helper cannot start: ImagePullBackOff'), ev('data', '2026-01-01T00:00:01Z', 'Normal', 'Provisioning', 'provisioning')], want: [{ claim: 'data', phase: 'Pending', latest: { type: 'Warning', reason: 'ProvisioningFailed', message: 'helper cannot start: ImagePullBackOff' } }, { claim: 'logs', phase: 'Pending' }] },
    { name: 'events of another namespace or kind are not the claim\'s', events: [ev('data', '2026-01-01T00:00:03Z', 'Warning', 'X', 'other ns', 'PersistentVolumeClaim', 'shop'), ev('data', '2026-01-01T00:00:03Z', 'Warning', 'Y', 'a pod named data', 'Pod')], want: [{ claim: 'data', phase: 'Pending' }, { claim: 'logs', phase: 'Pending' }] },
  ])('$name', ({ events, want }) => {
    expect(claimWaits(withClaims(), events, pending)).toEqual(want);
  });

  it('compares event times as dates: an eventTime with microseconds is later than a lastTimestamp of the same second', () => {
    const seconds = ev('data', '2026-12-05T08:00:00Z', 'Normal', 'Provisioning', 'provisioning');
    const micro = { ...ev('data', 'x', 'Warning', 'ProvisioningFailed', 'helper cannot start'), lastTimestamp: undefined, eventTime: '2026-12-05T08:00:00.123456Z' } as KubeEvent;
    expect(eventTime(micro)).toBeGreaterThan(eventTime(seconds));
    expect(claimWaits(withClaims(), [micro, seconds], pending)[0]?.latest?.reason).toBe('ProvisioningFailed');
    expect(claimWaits(withClaims(), [seconds, micro], pending)[0]?.latest?.reason).toBe('ProvisioningFailed');
  });

  it.each([
    { name: 'a Bound claim is not a wait', read: { phase: 'Bound' }, want: undefined },
    { name: 'a Pending claim is, with its phase', read: { phase: 'Pending' }, want: { claim: 'data', phase: 'Pending' } },
    { name: 'a claim that does not exist says so, as the scheduler does', read: { missing: true }, want: { claim: 'data', problem: 'claim "data" not found' } },
    { name: 'a Bound claim being deleted is one the scheduler refuses', read: { phase: 'Bound', deleting: true }, want: { claim: 'data', phase: 'Bound', problem: 'claim "data" is being deleted' } },
    { name: 'a claim that could not be read says why', read: { error: 'forbidden' }, want: { claim: 'data', problem: 'forbidden' } },
    { name: 'a claim not read yet is listed without a phase: it may be the reason', read: undefined, want: { claim: 'data' } },
  ] satisfies { name: string; read: ClaimRead | undefined; want: object | undefined }[])('$name', ({ read, want }) => {
    const reads = new Map<string, ClaimRead>([['logs', { phase: 'Bound' }], ...(read ? [['data', read] as [string, ClaimRead]] : [])]);
    expect(claimWaits(withClaims(), [], reads)).toEqual(want ? [want] : []);
  });

  it('reads a claim from what useObject answered', () => {
    const claim = (status?: unknown, deletionTimestamp?: string) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', ...(deletionTimestamp ? { deletionTimestamp } : {}) }, ...(status ? { status } : {}) });
    expect(claimReadOf({ object: claim({ phase: 'Bound' }) })).toEqual({ phase: 'Bound' });
    expect(claimReadOf({ object: claim() })).toEqual({ phase: 'Pending' });
    expect(claimReadOf({ object: claim({ phase: 'Bound' }, '2026-12-05T08:00:00Z') })).toEqual({ phase: 'Bound', deleting: true });
    expect(claimReadOf({ gone: true, error: 'persistentvolumeclaims "data" not found' })).toEqual({ missing: true });
    expect(claimReadOf({ error: 'forbidden' })).toEqual({ error: 'forbidden' });
    expect(claimReadOf({})).toBeUndefined();
  });

  it('says nothing for a pod on a node, or one without claims', () => {
    expect(claimWaits(withClaims('n1'), [ev('data', '2026-01-01T00:00:02Z', 'Warning', 'ProvisioningFailed', 'x')], none)).toEqual([]);
    expect(claimWaits(pod(), [], none)).toEqual([]);
  });
});
