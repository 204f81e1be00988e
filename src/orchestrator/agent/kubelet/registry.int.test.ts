import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeEvent, KubeObject, Pod } from '../../api/types.js';
import type { LocalClient } from '../../client/LocalClient.js';
import { missingRegistryTools, startTestRegistry, type TestRegistry } from '../testing/registry.js';
import { startStandaloneAgent, type StandaloneAgent } from '../testing/standaloneAgent.js';
import { eventually } from '../../testing/eventually.js';

/**
 * The kubelet alone against a real private registry (testing/registry.ts: Debian's
 * `docker-registry` on 127.0.0.1 with htpasswd auth). The test image is pushed to it and removed
 * locally, so the agent must really pull it, with the pod's pull secret.
 */
const missing = missingRegistryTools();
if (missing.length) {
  console.warn(`SKIPPING the private registry tests: ${missing.join(', ')} not installed (apt-get install -y docker-registry apache2-utils)`);
}

const docker = new Docker();
let a: StandaloneAgent | undefined;
let client: LocalClient;
let NODE = '';
let registry: TestRegistry | undefined;
let image = '';

const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 90_000): Promise<T> => eventually(what, fn, ms);

const dockerConfig = (password: string) => (registry as TestRegistry).dockerConfigData(password);

const pod = (name: string, pullSecret?: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: {
    nodeName: NODE,
    terminationGracePeriodSeconds: 0,
    ...(pullSecret ? { imagePullSecrets: [{ name: pullSecret }] } : {}),
    containers: [{ name: 'main', image, imagePullPolicy: 'Always', command: ['sleep', '3600'] }],
  },
});

const waiting = (name: string) =>
  waitFor(`${name} waiting on its image`, async () => {
    const w = (await client.get<Pod>('pods', 'default', name)).status?.containerStatuses?.[0]?.state.waiting;
    return w?.reason === 'ErrImagePull' || w?.reason === 'ImagePullBackOff' ? w : undefined;
  });

beforeAll(async () => {
  if (missing.length) return;
  registry = await startTestRegistry();
  image = await registry.pushImage('skiff-test/busybox');
  a = await startStandaloneAgent('registry-it');
  ({ client, node: NODE } = a);
});

afterAll(async () => {
  await a?.stop();
  await registry?.stop();
});

describe.skipIf(missing.length > 0)('images from a private registry', () => {
  it('without a pull secret the pull is refused: ErrImagePull with the engine`s auth error', async () => {
    await client.create<Pod>('pods', pod('anonymous'));
    const w = await waiting('anonymous');
    expect(w.message).toMatch(/no basic auth credentials/);
    const events = (await client.list<KubeEvent>('events', { namespace: 'default' })).items.filter((e) => e.involvedObject.name === 'anonymous');
    expect(events.find((e) => e.reason === 'Failed' && e.message?.startsWith(`Failed to pull image "${image}"`))?.type).toBe('Warning');
  });

  it('with a wrong password it is refused too', async () => {
    await client.create<KubeObject>('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'wrong', namespace: 'default' }, type: 'kubernetes.io/dockerconfigjson', data: dockerConfig('not-it') });
    await client.create<Pod>('pods', pod('wrong', 'wrong'));
    await waiting('wrong');
    // The engine's error is in the Failed event (the status may already show the back-off that follows it).
    const failed = await waitFor('the Failed pull event of "wrong"', async () =>
      (await client.list<KubeEvent>('events', { namespace: 'default' })).items.find((e) => e.involvedObject.name === 'wrong' && e.reason === 'Failed' && e.message?.startsWith(`Failed to pull image "${image}"`)),
    );
    expect(failed.message).toMatch(/unauthorized|authentication required/);
  });

  it('with the pull secret the image is pulled and the pod runs (Pulling, Pulled with duration and size)', async () => {
    await client.create<KubeObject>('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred', namespace: 'default' }, type: 'kubernetes.io/dockerconfigjson', data: dockerConfig((registry as TestRegistry).password) });
    await client.create<Pod>('pods', pod('private', 'regcred'));
    await waitFor('private pod running', async () => (await client.get<Pod>('pods', 'default', 'private')).status?.containerStatuses?.[0]?.state.running);
    const events = (await client.list<KubeEvent>('events', { namespace: 'default' })).items.filter((e) => e.involvedObject.name === 'private');
    expect(events.find((e) => e.reason === 'Pulling')?.message).toBe(`Pulling image "${image}"`);
    expect(events.find((e) => e.reason === 'Pulled')?.message).toMatch(new RegExp(`^Successfully pulled image "${image.replace(/[.]/g, '\\.')}" in \\d+\\.\\d{3}s \\(\\d+\\.\\d{3}s including waiting\\)\\. Image size: \\d+ bytes\\.$`));
    expect(await docker.getImage(image).inspect()).toBeTruthy();
  });
});
