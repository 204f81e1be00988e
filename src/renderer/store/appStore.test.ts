import { describe, expect, it } from 'vitest';
import { pod } from '../testing/fixtures.js';
import { createAppStore } from './appStore.js';

describe('app store', () => {
  it('marks a kind synced on its first list, even an empty one, and keeps counts', () => {
    const store = createAppStore();
    store.getState().applyOps([{ kind: 'nodes', type: 'reset', items: [] }]);
    expect(store.getState().synced.nodes).toBe(true);
    expect(store.getState().synced.pods).toBe(false);
    store.getState().applyOps([
      { kind: 'pods', type: 'reset', items: [pod('a'), pod('b')] },
      { kind: 'pods', type: 'event', event: { type: 'DELETED', object: pod('a') } },
    ]);
    expect(store.getState().counts.pods).toBe(1);
    expect(store.getState().synced.pods).toBe(true);
  });

  it('bounds log buffers and drops them on clear', () => {
    const store = createAppStore();
    const lines = Array.from({ length: 6000 }, (_, i) => `line ${i}`);
    store.getState().appendLogs('ns/p/c', lines);
    const buf = store.getState().logs['ns/p/c'];
    expect(buf?.lines).toHaveLength(5000);
    expect(buf?.lines[0]).toBe('line 1000');
    expect(buf?.dropped).toBe(1000);
    store.getState().clearLogs('ns/p/c');
    expect(store.getState().logs['ns/p/c']).toBeUndefined();
  });
});
