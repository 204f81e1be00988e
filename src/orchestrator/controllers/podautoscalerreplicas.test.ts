import { describe, expect, it } from 'vitest';
import type { Pod } from '../api/types.js';
import { isoTime } from '../util/clock.js';
import { MetricsError, podRequests, replicasFor, type PodValue } from './podautoscalerreplicas.js';
import { milliValue } from '../api/quantity.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const LONG_AGO = NOW - 3_600_000;

function pod(name: string, o: { phase?: string; ready?: boolean; readySince?: number; started?: number; deleting?: boolean; cpu?: string } = {}): Pod {
  const started = o.started ?? LONG_AGO;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...(o.deleting ? { deletionTimestamp: isoTime(NOW) } : {}) },
    spec: { containers: [{ name: 'main', image: 'x', resources: { requests: { cpu: o.cpu ?? '100m' } } }] },
    status: {
      phase: (o.phase ?? 'Running') as Pod['status'] extends infer S ? (S extends { phase?: infer P } ? P : never) : never,
      startTime: isoTime(started),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: isoTime(o.readySince ?? started) }],
    },
  };
}

const m = (value: number, timestamp = NOW - 1_000): PodValue => ({ value, timestamp, windowMs: 15_000 });

describe('replicasFor (CPU utilization, target 50%, requests 100m)', () => {
  const cases: { name: string; current: number; pods: Pod[]; usage: Record<string, number>; want: number; util?: number }[] = [
    { name: 'on target: no change', current: 2, pods: [pod('a'), pod('b')], usage: { a: 50, b: 50 }, want: 2, util: 50 },
    { name: 'within the 10% tolerance: no change', current: 2, pods: [pod('a'), pod('b')], usage: { a: 54, b: 54 }, want: 2, util: 54 },
    { name: 'double the target: twice the pods', current: 2, pods: [pod('a'), pod('b')], usage: { a: 100, b: 100 }, want: 4, util: 100 },
    { name: 'a fraction above rounds up', current: 3, pods: [pod('a'), pod('b'), pod('c')], usage: { a: 90, b: 90, c: 90 }, want: 6, util: 90 },
    { name: 'idle: down to the ratio', current: 4, pods: [pod('a'), pod('b'), pod('c'), pod('d')], usage: { a: 10, b: 10, c: 10, d: 10 }, want: 1, util: 10 },
    { name: 'deleting and failed pods are ignored', current: 2, pods: [pod('a'), pod('b', { deleting: true }), pod('c', { phase: 'Failed' })], usage: { a: 100, b: 0, c: 0 }, want: 2, util: 100 },
    // Scaling down with a pod that has no sample yet: it is assumed at the target, which dampens.
    { name: 'missing pod dampens a scale down', current: 2, pods: [pod('a'), pod('b')], usage: { a: 10 }, want: 2 },
    // Scaling up with an unready (pending) pod: it counts as zero, so the rise is smaller.
    // 200% on one ready pod alone would ask for 4 per ready pod; the pending pod at 0 halves the ratio.
    { name: 'pending pod counts as zero when scaling up', current: 2, pods: [pod('a'), pod('b', { phase: 'Pending' })], usage: { a: 200 }, want: 4 },
    { name: 'pending pod at zero can cancel a scale up', current: 3, pods: [pod('a'), pod('b'), pod('c', { phase: 'Pending' })], usage: { a: 60, b: 60 }, want: 3 },
    // A pod that turned ready after its sample began is starting: its CPU is not trusted yet.
    { name: 'starting pod (sample older than readiness + window) is unready', current: 2, pods: [pod('a'), pod('b', { started: NOW - 60_000, readySince: NOW - 5_000 })], usage: { a: 50, b: 500 }, want: 2, util: 50 },
  ];
  it.each(cases)('$name', ({ current, pods, usage, want, util }) => {
    const metrics = new Map(Object.entries(usage).map(([k, v]) => [k, m(v)]));
    const requests = podRequests(pods, 'cpu', milliValue);
    const p = replicasFor(current, pods, metrics, 'cpu', 50, requests, { now: NOW });
    expect(p.replicas).toBe(want);
    if (util !== undefined) expect(p.utilization).toBe(util);
  });

  it('fails without pods, without samples, and without requests', () => {
    expect(() => replicasFor(1, [], new Map(), 'cpu', 50, new Map(), { now: NOW })).toThrow(MetricsError);
    expect(() => replicasFor(1, [pod('a')], new Map(), 'cpu', 50, new Map([['a', 100]]), { now: NOW })).toThrow(/did not receive metrics/);
    const noRequest = pod('a');
    delete noRequest.spec.containers[0]?.resources;
    expect(() => podRequests([noRequest], 'cpu', milliValue)).toThrow('missing request for cpu in container main of Pod a');
  });

  it("counts a sidecar's request beside the app container's (its usage is in the pod's sample), not a plain init container's", () => {
    const withSidecar = pod('a');
    withSidecar.spec.initContainers = [
      { name: 'setup', image: 'x', resources: { requests: { cpu: '1' } } },
      { name: 'proxy', image: 'x', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } },
    ];
    expect(podRequests([withSidecar], 'cpu', milliValue).get('a')).toBe(150);
    delete withSidecar.spec.initContainers[1]?.resources;
    expect(() => podRequests([withSidecar], 'cpu', milliValue)).toThrow('missing request for cpu in container proxy of Pod a');
  });
});

describe('replicasFor (average value)', () => {
  it.each([
    { usage: [300, 300], target: 100, want: 6 },
    { usage: [100, 100], target: 100, want: 2 },
    { usage: [20, 20], target: 100, want: 1 },
  ])('usage $usage against $target per pod -> $want', ({ usage, target, want }) => {
    const pods = usage.map((_, i) => pod(`p${i}`));
    const metrics = new Map(usage.map((u, i) => [`p${i}`, m(u)]));
    expect(replicasFor(2, pods, metrics, 'memory', target, undefined, { now: NOW }).replicas).toBe(want);
  });
});
