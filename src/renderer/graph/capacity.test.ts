import { describe, expect, it } from 'vitest';
import type { Pod } from '../../orchestrator/api/types.js';
import { byKey, node, pod } from '../testing/fixtures.js';
import { formatBytes, formatCpu, nodeAllocation, parseQuantity, podRequests } from './capacity.js';

function withRequests(name: string, nodeName: string, reqs: { cpu?: string; memory?: string }[], init: { cpu?: string; memory?: string }[] = [], phase: 'Running' | 'Succeeded' = 'Running'): Pod {
  const p = pod(name, { nodeName, phase });
  return { ...p, spec: { ...p.spec, containers: reqs.map((r, i) => ({ name: `c${i}`, image: 'i', resources: { requests: r } })), initContainers: init.map((r, i) => ({ name: `i${i}`, image: 'i', resources: { requests: r } })) } };
}

describe('capacity', () => {
  it('parses quantities', () => {
    expect(parseQuantity('100m')).toBeCloseTo(0.1);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('1.5')).toBe(1.5);
    expect(parseQuantity('1Gi')).toBe(2 ** 30);
    expect(parseQuantity('128Mi')).toBe(128 * 2 ** 20);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('24683548Ki')).toBe(24683548 * 1024);
    expect(parseQuantity('lots')).toBeUndefined();
  });

  it("counts a pod's requests as the scheduler does: containers summed, init containers at most", () => {
    expect(podRequests(withRequests('p', 'n', [{ cpu: '100m', memory: '64Mi' }, { cpu: '200m' }], [{ cpu: '500m', memory: '16Mi' }]))).toEqual({ cpu: 0.5, memory: 64 * 2 ** 20 });
    // A sidecar (restartPolicy: Always) runs beside the containers: added, not a peak.
    const sidecar = withRequests('s', 'n', [{ cpu: '100m' }], [{ cpu: '250m' }]);
    (sidecar.spec.initContainers ?? [])[0]!.restartPolicy = 'Always';
    expect(podRequests(sidecar)).toEqual({ cpu: 0.35, memory: 0 });
  });

  it("adds up a node's unfinished pods against its allocatable", () => {
    const n = node('a', 'True', { status: { allocatable: { cpu: '2', memory: '4Gi', pods: '110' } } });
    const pods = byKey(withRequests('x', 'a', [{ cpu: '250m', memory: '1Gi' }]), withRequests('y', 'a', [{ cpu: '750m' }]), withRequests('done', 'a', [{ cpu: '1' }], [], 'Succeeded'), withRequests('z', 'b', [{ cpu: '1' }]));
    expect(nodeAllocation(n, pods)).toEqual({ cpu: { requested: 1, allocatable: 2 }, memory: { requested: 2 ** 30, allocatable: 4 * 2 ** 30 }, pods: { requested: 2, allocatable: 110 } });
    expect([formatCpu(1), formatCpu(0.25), formatCpu(2.5), formatBytes(1536 * 2 ** 20), formatBytes(512)]).toEqual(['1 core', '250m', '2.5 cores', '1.5 GiB', '512 B']);
  });
});
