import { describe, expect, it } from 'vitest';
import { type PodUsage, formatTopCpu, formatTopMemory, parseMetrics, parseWindow, percentOf, pollDelay, reuseUnchanged, sumPodUsage } from './metrics.js';

const nodeList = {
  kind: 'NodeMetricsList',
  items: [
    { metadata: { name: 'n1' }, timestamp: 't', window: '15s', usage: { cpu: '250m', memory: '1Gi' } },
    { metadata: { name: 'n2' }, window: '15s', usage: { cpu: '1203489n', memory: '524288Ki' } },
    { metadata: { name: 'broken' }, usage: { cpu: 'lots', memory: '1Gi' } },
    { metadata: {}, usage: { cpu: '1', memory: '1' } },
  ],
};
const podList = {
  kind: 'PodMetricsList',
  items: [
    { metadata: { name: 'web', namespace: 'shop' }, window: '20.5s', containers: [{ name: 'a', usage: { cpu: '100m', memory: '10Mi' } }, { name: 'b', usage: { cpu: '5m', memory: '6Mi' } }] },
    { metadata: { name: 'half', namespace: 'shop' }, containers: [{ name: 'a', usage: { cpu: '1m' } }] },
    { metadata: { name: 'nons' }, containers: [] },
  ],
};

describe('metrics.k8s.io parsing', () => {
  it('reads node usage; drops items it cannot read rather than counting them as zero', () => {
    const s = parseMetrics(nodeList, podList);
    expect(s.nodes.n1).toEqual({ cpu: 0.25, memory: 2 ** 30 });
    expect(s.nodes.n2?.cpu).toBeCloseTo(0.001203489, 12);
    expect(s.nodes.n2?.memory).toBe(512 * 2 ** 20);
    expect(Object.keys(s.nodes)).toEqual(['n1', 'n2']);
  });

  it('sums a pod over its containers, keeps them by name, and skips pods with an unreadable container', () => {
    const s = parseMetrics(nodeList, podList);
    expect(s.pods['shop/web']?.cpu).toBeCloseTo(0.105, 12);
    expect(s.pods['shop/web']).toEqual({ cpu: s.pods['shop/web']?.cpu, memory: 16 * 2 ** 20, containers: { a: { cpu: 0.1, memory: 10 * 2 ** 20 }, b: { cpu: 0.005, memory: 6 * 2 ** 20 } } });
    expect(Object.keys(s.pods)).toEqual(['shop/web']);
    expect(s.windowMs).toBe(20_500);
  });

  it('answers an empty sample for anything that is not a list', () => {
    expect(parseMetrics(undefined, { kind: 'Status' })).toEqual({ nodes: {}, pods: {}, windowMs: undefined });
  });

  it('parses windows and bounds the poll delay by them', () => {
    expect(parseWindow('15s')).toBe(15_000);
    expect(parseWindow('1m30s')).toBe(90_000);
    expect(parseWindow('500ms')).toBe(500);
    expect(parseWindow('15 s')).toBeUndefined();
    expect(parseWindow(15)).toBeUndefined();
    expect(pollDelay(undefined)).toBe(3000);
    expect(pollDelay(500)).toBe(2000);
    expect(pollDelay(30_000)).toBe(30_000);
    expect(pollDelay(600_000)).toBe(60_000);
  });
});

describe('kubectl top units', () => {
  it('prints CPU in whole millicores and memory in whole MiB', () => {
    expect(formatTopCpu(0.25)).toBe('250m');
    expect(formatTopCpu(1.5)).toBe('1500m');
    // As Go's Quantity.MilliValue(): rounded up, so 400000n is 1m and 0.1 cores is exactly 100m.
    expect(formatTopCpu(0.0004)).toBe('1m');
    expect(formatTopCpu(0.1)).toBe('100m');
    expect(formatTopCpu(0.012345678)).toBe('13m');
    expect(formatTopCpu(0)).toBe('0m');
    expect(formatTopMemory(2 ** 30)).toBe('1024Mi');
    // kubectl divides integers: 1.6 MiB prints as 1Mi, never rounded to 2Mi.
    expect(formatTopMemory(1.6 * 2 ** 20)).toBe('1Mi');
    expect(formatTopMemory(2 ** 20 - 1)).toBe('0Mi');
  });

  it('gives the share of allocatable, or nothing when allocatable is unknown', () => {
    // int64(fraction) truncates: 12.5% prints as 12%.
    expect(percentOf(0.25, 2)).toBe(12);
    expect(percentOf(0.999, 1)).toBe(99);
    expect(percentOf(1, undefined)).toBeUndefined();
    expect(percentOf(1, 0)).toBeUndefined();
  });

  it('keeps the identity of entries whose numbers did not change', () => {
    const prev = { a: { cpu: 1, memory: 2 }, b: { cpu: 3, memory: 4 } };
    const same = reuseUnchanged(prev, { a: { cpu: 1, memory: 2 }, b: { cpu: 3, memory: 4 } });
    expect(same).toBe(prev);
    const next = reuseUnchanged(prev, { a: { cpu: 1, memory: 2 }, b: { cpu: 3, memory: 5 } });
    expect(next).not.toBe(prev);
    expect(next.a).toBe(prev.a);
    expect(next.b).toEqual({ cpu: 3, memory: 5 });
    expect(reuseUnchanged(prev, { a: { cpu: 1, memory: 2 } })).toEqual({ a: prev.a });
    const pods: Record<string, PodUsage> = { p: { cpu: 1, memory: 1, containers: { c: { cpu: 1, memory: 1 } } } };
    expect(reuseUnchanged<PodUsage>(pods, { p: { cpu: 1, memory: 1, containers: { c: { cpu: 1, memory: 1 } } } })).toBe(pods);
    expect(reuseUnchanged<PodUsage>(pods, { p: { cpu: 1, memory: 1, containers: { d: { cpu: 1, memory: 1 } } } }).p).not.toBe(pods.p);
  });
});

describe('sumPodUsage', () => {
  it('sums the pods that have a sample and counts them; the others are left out, not taken as 0', () => {
    const pods = { 'a/x': { cpu: 0.25, memory: 64 * 2 ** 20 }, 'a/y': { cpu: 0.1, memory: 2 ** 20 }, 'b/x': { cpu: 9, memory: 9 } };
    const s = sumPodUsage(pods, ['a/x', 'a/y', 'a/gone']);
    expect(s.sampled).toBe(2);
    expect(formatTopCpu(s.cpu)).toBe('350m');
    expect(formatTopMemory(s.memory)).toBe('65Mi');
    expect(sumPodUsage(pods, ['a/gone'])).toEqual({ cpu: 0, memory: 0, sampled: 0 });
  });
});
