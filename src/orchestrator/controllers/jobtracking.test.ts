import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import { isJsonPatchTestFailure } from '../api/patch/index.js';
import type { Pod } from '../api/types.js';
import { memoryCluster } from '../testing/memoryCluster.js';
import { JOB_TRACKING, removeTrackingFinalizers } from './jobtracking.js';

let dispose: (() => void) | undefined;
afterEach(() => dispose?.());

async function setup() {
  const c = await memoryCluster();
  dispose = () => c.dispose();
  const pod = await c.client.create<Pod>('pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', finalizers: [JOB_TRACKING, 'example.com/keep'] },
    spec: { containers: [{ name: 'c', image: 'x' }] },
  });
  return { c, pod };
}

describe('removeTrackingFinalizers', () => {
  it('removes only the job-tracking finalizer and answers the pod as released', async () => {
    const { c, pod } = await setup();
    expect([...(await removeTrackingFinalizers(c.client, [pod]))]).toEqual([pod.metadata.uid]);
    expect((await c.client.get<Pod>('pods', 'default', 'p')).metadata.finalizers).toEqual(['example.com/keep']);
  });

  it('leaves a pod whose finalizers changed meanwhile for the next pass (the patch test fails), without throwing', async () => {
    const { c, pod } = await setup();
    await c.client.patch('pods', 'default', 'p', 'merge', { metadata: { finalizers: [JOB_TRACKING, 'example.com/keep', 'example.com/other'] } });
    expect((await removeTrackingFinalizers(c.client, [pod])).size).toBe(0);
    expect((await c.client.get<Pod>('pods', 'default', 'p')).metadata.finalizers).toContain(JOB_TRACKING);
  });

  it('surfaces any other refusal instead of retrying it silently', async () => {
    const { c, pod } = await setup();
    const client = Object.create(c.client) as typeof c.client;
    client.patch = () => Promise.reject(new ApiError(422, 'Invalid', 'Pod "p" is invalid: metadata.finalizers: Forbidden'));
    await expect(removeTrackingFinalizers(client, [pod])).rejects.toThrow(/Forbidden/);
  });

  it('tells a failed test operation from other bad requests', () => {
    expect(isJsonPatchTestFailure(new ApiError(400, 'BadRequest', 'the server rejected our request due to an error in our request: Test operation failed'))).toBe(true);
    expect(isJsonPatchTestFailure(new ApiError(400, 'BadRequest', 'json patch must be an array of operations'))).toBe(false);
    expect(isJsonPatchTestFailure(new ApiError(422, 'Invalid', 'Test operation failed'))).toBe(false);
  });
});
