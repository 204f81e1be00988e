import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types.js';
import { memoryCluster } from '../testing/memoryCluster.js';

const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { a: '1' } }) as KubeObject;

describe('LocalClient create', () => {
  let c: Awaited<ReturnType<typeof memoryCluster>>;
  beforeEach(async () => {
    c = await memoryCluster();
  });
  afterEach(() => c.dispose());

  it('without handOff, the caller keeps its object and gets a copy it may change', async () => {
    const mine = cm('copied');
    const got = await c.client.create('configmaps', mine);
    expect(Object.isFrozen(mine)).toBe(false);
    expect(mine.metadata.uid).toBeUndefined();
    got.metadata.labels = { changed: 'yes' };
    expect((await c.client.get('configmaps', 'default', 'copied')).metadata.labels).toBeUndefined();
  });

  it('with handOff, the object given becomes the stored one (no copy, no parse of the answer): frozen, and what a read returns', async () => {
    const given = cm('given');
    const got = await c.client.create('configmaps', given, { handOff: true });
    expect(got).toBe(given);
    expect(Object.isFrozen(given)).toBe(true);
    const read = await c.client.get('configmaps', 'default', 'given');
    expect(read).toEqual(given);
    expect(read.metadata.resourceVersion).toBe(given.metadata.resourceVersion);
  });
});
