import { describe, expect, it } from 'vitest';
import type { Pod } from '../../orchestrator/api/types.js';
import { NODE_REASONS_ANNOTATION, pendingReasons } from './pendingReasons.js';

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
