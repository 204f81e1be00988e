import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PodDisruptionBudget } from '../api/policy.js';
import { getCondition, isPodActive, isPodReady } from '../api/podutil.js';
import type { Deployment } from '../api/types.js';
import { isoTime } from '../util/clock.js';
import { controllerFixture, type ControllerFixture } from './testkit.js';

let f: ControllerFixture;

beforeEach(async () => {
  f = await controllerFixture();
  await f.addNode('n1', { cpu: '8', memory: '8Gi' });
  const d: Deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'x' }] } } },
  };
  await f.client.create('deployments', d);
  for (let i = 0; i < 10; i++) {
    await f.settle();
    await f.readyAllPods();
    const pods = (await f.pods()).filter(isPodActive);
    if (pods.length === 3 && pods.every(isPodReady)) break;
  }
});

afterEach(async () => {
  await f.dispose();
});

const pdb = (spec: PodDisruptionBudget['spec'], name = 'web'): PodDisruptionBudget => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: 'default' }, spec });
const status = async (name = 'web') => (await f.client.get<PodDisruptionBudget>('poddisruptionbudgets', 'default', name)).status;

describe('disruption controller', () => {
  it.each<[string, PodDisruptionBudget['spec'], { expectedPods: number; desiredHealthy: number; disruptionsAllowed: number }]>([
    ['minAvailable 2 of 3', { minAvailable: 2, selector: { matchLabels: { app: 'web' } } }, { expectedPods: 3, desiredHealthy: 2, disruptionsAllowed: 1 }],
    ['minAvailable 3 of 3', { minAvailable: 3, selector: { matchLabels: { app: 'web' } } }, { expectedPods: 3, desiredHealthy: 3, disruptionsAllowed: 0 }],
    ['minAvailable 50% (of the Deployment scale, rounded up)', { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } }, { expectedPods: 3, desiredHealthy: 2, disruptionsAllowed: 1 }],
    ['maxUnavailable 1', { maxUnavailable: 1, selector: { matchLabels: { app: 'web' } } }, { expectedPods: 3, desiredHealthy: 2, disruptionsAllowed: 1 }],
    ['maxUnavailable 50% (rounded up)', { maxUnavailable: '50%', selector: { matchLabels: { app: 'web' } } }, { expectedPods: 3, desiredHealthy: 1, disruptionsAllowed: 2 }],
    ['a selector that matches nothing', { minAvailable: 1, selector: { matchLabels: { app: 'none' } } }, { expectedPods: 0, desiredHealthy: 1, disruptionsAllowed: 0 }],
  ])('%s', async (_n, spec, want) => {
    await f.client.create('poddisruptionbudgets', pdb(spec));
    await f.settle();
    const st = await status();
    expect(st).toMatchObject({ observedGeneration: 1, currentHealthy: want.expectedPods ? 3 : 0, ...want });
    expect(getCondition(st?.conditions, 'DisruptionAllowed')).toMatchObject(want.disruptionsAllowed > 0 ? { status: 'True', reason: 'SufficientPods' } : { status: 'False', reason: 'InsufficientPods' });
  });

  it('counts an unready pod out, and a just-evicted pod out until it is gone or 2 minutes pass', async () => {
    await f.client.create('poddisruptionbudgets', pdb({ minAvailable: 2, selector: { matchLabels: { app: 'web' } } }));
    await f.settle();
    const [a] = (await f.pods()).filter(isPodActive);
    await f.setPodStatus(a as never, false);
    await f.settle();
    expect(await status()).toMatchObject({ currentHealthy: 2, disruptionsAllowed: 0 });
    await f.setPodStatus((await f.client.get('pods', 'default', a?.metadata.name as string)) as never, true);
    await f.settle();
    expect(await status()).toMatchObject({ currentHealthy: 3, disruptionsAllowed: 1 });

    // What the eviction subresource writes: the pod counts as disrupted.
    const cur = await f.client.get<PodDisruptionBudget>('poddisruptionbudgets', 'default', 'web');
    await f.client.updateStatus('poddisruptionbudgets', { ...cur, status: { ...cur.status, disruptionsAllowed: 0, disruptedPods: { [a?.metadata.name as string]: isoTime(f.clock.now()) } } });
    await f.settle();
    expect(await status()).toMatchObject({ currentHealthy: 2, disruptionsAllowed: 0, disruptedPods: { [a?.metadata.name as string]: expect.any(String) } });
    // Two minutes, the node heartbeating meanwhile (else the node controller marks its pods unready).
    for (let t = 0; t < 121; t += 10) {
      await f.heartbeat('n1');
      await f.advance(10_000);
    }
    const after = await status();
    expect(after).toMatchObject({ currentHealthy: 3, disruptionsAllowed: 1 });
    expect(after?.disruptedPods).toBeUndefined();
  });
});
