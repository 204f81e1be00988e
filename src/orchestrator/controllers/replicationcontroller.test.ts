import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject, Pod } from '../api/types.js';
import { controllerRef, isPodActive } from '../api/podutil.js';
import { controllerFixture, type ControllerFixture } from './testkit.js';

function rc(name: string, replicas: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ReplicationController',
    metadata: { name, namespace: 'default' },
    spec: { replicas, selector: { app: name }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'local/busybox:1' }] } } },
  };
}

const active = async (f: ControllerFixture) => (await f.pods()).filter(isPodActive);

describe('replicationcontroller controller', () => {
  let f: ControllerFixture;
  beforeEach(async () => {
    f = await controllerFixture();
    await f.addNode('node-a');
  });
  afterEach(async () => {
    await f.dispose();
  });

  it.each([
    { from: 2, to: 4 },
    { from: 3, to: 1 },
  ])('scales from $from to $to through its label-map selector and reports status', async ({ from, to }) => {
    await f.client.create('replicationcontrollers', rc('web', from));
    await f.settle();
    expect(await active(f)).toHaveLength(from);
    // An orphan with the labels is adopted, as with a ReplicaSet.
    await f.client.create<Pod>('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', namespace: 'default', labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'x:1' }] } });
    await f.client.patch('replicationcontrollers', 'default', 'web', 'merge', { spec: { replicas: to } });
    await f.settle();
    await f.readyAllPods();
    await f.settle();
    const pods = await active(f);
    expect(pods).toHaveLength(to);
    const got = await f.client.get<KubeObject & { status?: Record<string, unknown> }>('replicationcontrollers', 'default', 'web');
    for (const p of pods) expect(controllerRef(p)).toMatchObject({ apiVersion: 'v1', kind: 'ReplicationController', name: 'web', uid: got.metadata.uid });
    expect(got.status).toMatchObject({ replicas: to, readyReplicas: to, availableReplicas: to, fullyLabeledReplicas: to, observedGeneration: got.metadata.generation });
  });
});
