import { describe, expect, it } from 'vitest';
import { pod } from '../testing/fixtures.js';
import { applyWatchOps } from './applyOps.js';
import { emptyCluster } from './kinds.js';

describe('applyWatchOps', () => {
  it('applies resets and events in order, copying each changed kind once', () => {
    const start = emptyCluster();
    const a = pod('a');
    const b = pod('b', { phase: 'Running' });
    const { cluster, changed } = applyWatchOps(start, [
      { kind: 'pods', type: 'reset', items: [a] },
      { kind: 'pods', type: 'event', event: { type: 'ADDED', object: b } },
      { kind: 'pods', type: 'event', event: { type: 'MODIFIED', object: { ...a, status: { phase: 'Running' } } } },
      { kind: 'pods', type: 'event', event: { type: 'DELETED', object: b } },
      { kind: 'pods', type: 'event', event: { type: 'BOOKMARK', object: { apiVersion: 'v1', kind: 'Pod', metadata: { resourceVersion: '9' } } } },
    ]);
    expect(changed).toEqual(['pods']);
    expect(Object.keys(cluster.pods)).toEqual(['default/a']);
    expect(cluster.pods['default/a']?.status?.phase).toBe('Running');
    expect(cluster.nodes).toBe(start.nodes);
    expect(start.pods).toEqual({});
  });

  it('keys cluster-scoped objects by name, drops managedFields, and keeps identity when nothing changes', () => {
    const start = emptyCluster();
    const { cluster } = applyWatchOps(start, [
      { kind: 'nodes', type: 'event', event: { type: 'ADDED', object: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', managedFields: [{}] } } } },
    ]);
    expect(cluster.nodes['n1']?.metadata).toEqual({ name: 'n1' });
    expect(applyWatchOps(cluster, []).cluster).toBe(cluster);
  });

  it('a reset keeps unchanged objects, and the whole kind when nothing changed', () => {
    const a = { ...pod('a'), metadata: { ...pod('a').metadata, resourceVersion: '5' } };
    const b = { ...pod('b'), metadata: { ...pod('b').metadata, resourceVersion: '6' } };
    const first = applyWatchOps(emptyCluster(), [{ kind: 'pods', type: 'reset', items: [a, b] }]).cluster;
    const again = applyWatchOps(first, [{ kind: 'pods', type: 'reset', items: [structuredClone(a), structuredClone(b)] }]);
    expect(again.changed).toEqual([]);
    expect(again.cluster.pods).toBe(first.pods);
    const b2 = { ...b, metadata: { ...b.metadata, resourceVersion: '9' } };
    const changed = applyWatchOps(first, [{ kind: 'pods', type: 'reset', items: [structuredClone(a), b2] }]).cluster;
    expect(changed.pods['default/a']).toBe(first.pods['default/a']);
    expect(changed.pods['default/b']).toBe(b2);
  });

  it('a reset replaces what was known', () => {
    const { cluster } = applyWatchOps(emptyCluster(), [{ kind: 'pods', type: 'reset', items: [pod('old')] }]);
    const next = applyWatchOps(cluster, [{ kind: 'pods', type: 'reset', items: [pod('new')] }]).cluster;
    expect(Object.keys(next.pods)).toEqual(['default/new']);
  });
});
