import { describe, expect, it } from 'vitest';
import type { Node } from '../api/types.js';
import { evictionPolicy, zoneState } from './disruption.js';

const node = (name: string, ready: 'True' | 'False' | 'Unknown', zone?: string): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, ...(zone ? { labels: { 'topology.kubernetes.io/zone': zone } } : {}) },
  status: { conditions: [{ type: 'Ready', status: ready }] },
});

describe('zone disruption (Kubernetes ComputeZoneState)', () => {
  it.each([
    { ready: ['True', 'True'], state: 'Normal' },
    { ready: ['True', 'Unknown'], state: 'Normal' },
    { ready: ['Unknown'], state: 'FullDisruption' },
    { ready: ['Unknown', 'False'], state: 'FullDisruption' },
    { ready: ['True', 'Unknown', 'Unknown'], state: 'Normal' },
    { ready: ['True', 'Unknown', 'Unknown', 'Unknown'], state: 'PartialDisruption' },
    { ready: ['True', 'True', 'Unknown', 'Unknown', 'Unknown'], state: 'PartialDisruption' },
    { ready: ['True', 'True', 'True', 'Unknown', 'Unknown', 'Unknown'], state: 'Normal' },
  ] as const)('$ready -> $state', ({ ready, state }) => {
    expect(zoneState(ready.map((r, i) => node(`n${i}`, r)))).toBe(state);
  });

  it('does not count a node that has not reported yet: a cluster whose only node just registered is not disrupted', () => {
    const fresh: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'new' }, status: {} };
    expect(zoneState([fresh])).toBe('Normal');
    expect(evictionPolicy([fresh]).allDisrupted).toBe(false);
    expect(zoneState([fresh, node('a', 'Unknown')])).toBe('FullDisruption');
  });

  it('stops every eviction when every zone is fully disrupted (the control plane lost everyone)', () => {
    const p = evictionPolicy([node('a', 'Unknown', 'z1'), node('b', 'Unknown', 'z2')]);
    expect(p.allDisrupted).toBe(true);
    expect(p.rate('z1')).toBe(0);
  });

  it('evicts from a zone that is down while another zone is fine', () => {
    const p = evictionPolicy([node('a', 'Unknown', 'z1'), node('b', 'True', 'z2')]);
    expect(p.allDisrupted).toBe(false);
    expect(p.states.get('z1')).toBe('FullDisruption');
    expect(p.rate('z1')).toBe(0.1);
    expect(p.rate('z2')).toBe(0.1);
  });

  it('pauses a partially disrupted zone of a small cluster, and slows it in a large one', () => {
    const small = [node('a', 'True'), ...['b', 'c', 'd'].map((n) => node(n, 'Unknown'))];
    expect(evictionPolicy(small).rate('')).toBe(0);
    const large = [...Array.from({ length: 20 }, (_, i) => node(`r${i}`, 'True')), ...Array.from({ length: 40 }, (_, i) => node(`u${i}`, 'Unknown'))];
    expect(evictionPolicy(large).rate('')).toBe(0.01);
  });
});
