import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeEvent, Pod } from '../../src/orchestrator/api/types.js';
import { missingRegistryTools, startTestRegistry, type TestRegistry } from '../../src/orchestrator/agent/testing/registry.js';
import { podPulls } from '../../src/renderer/graph/pullProgress.js';
import { eventually } from '../support/kubectl.js';
import { startCompatCluster, type CompatCluster } from './cluster.js';

// Images from a private registry with the real kubectl, the whole product and the real engine:
// Debian's `docker-registry` on 127.0.0.1 with htpasswd auth (plain HTTP: dockerd allows that on
// 127.0.0.0/8), a locally built image of several layers pushed there and removed from the engine,
// pull secrets made by `kubectl create secret docker-registry`.
const missing = missingRegistryTools();
if (missing.length) {
  console.warn(`SKIPPING the private registry compat tests: ${missing.join(', ')} not installed (apt-get install -y docker-registry apache2-utils)`);
}

const LAYERS = 3;
const LAYER_BYTES = 8 << 20;
let c: CompatCluster;
let registry: TestRegistry;
let image = '';

beforeAll(async () => {
  if (missing.length) return;
  registry = await startTestRegistry();
  image = await registry.pushImage('skiff-compat/layers', LAYERS, LAYER_BYTES);
  c = await startCompatCluster('compat-registry');
});

afterAll(async () => {
  await c?.stop();
  await registry?.stop();
});

const pod = (name: string, secret: string, pullPolicy = 'IfNotPresent') => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  terminationGracePeriodSeconds: 0
  imagePullSecrets: [{name: ${secret}}]
  containers:
  - {name: main, image: ${image}, imagePullPolicy: ${pullPolicy}, command: ["sleep", "3600"]}
`;

const secret = (name: string, password: string) =>
  c.k.ok(['create', 'secret', 'docker-registry', name, `--docker-server=${registry.host}`, `--docker-username=${registry.user}`, `--docker-password=${password}`]);

async function events(name: string): Promise<KubeEvent[]> {
  const list = JSON.parse(await c.k.ok(['get', 'events', '--field-selector', `involvedObject.name=${name}`, '-o', 'json'])) as { items: KubeEvent[] };
  return list.items;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe.skipIf(missing.length > 0)('images from a private registry', () => {
  it('pulls a multi-layer image with the pod`s dockerconfigjson pull secret and runs it; Pulling and Pulled events say how long and how big', async () => {
    await secret('regcred', registry.password);
    expect(await c.k.ok(['get', 'secret', 'regcred', '-o', 'jsonpath={.type}'])).toBe('kubernetes.io/dockerconfigjson');
    await c.k.ok(['apply', '-f', c.file('private.yaml', pod('private', 'regcred'))]);
    await c.phase('private');
    const evs = await eventually('the Pulled event', async () => {
      const e = await events('private');
      return e.some((x) => x.reason === 'Pulled') && e;
    });
    expect(evs.find((e) => e.reason === 'Pulling')?.message).toBe(`Pulling image "${image}"`);
    const pulled = evs.find((e) => e.reason === 'Pulled')?.message ?? '';
    const m = new RegExp(`^Successfully pulled image "${escape(image)}" in (\\d+\\.\\d{3})s \\((\\d+\\.\\d{3})s including waiting\\)\\. Image size: (\\d+) bytes\\.$`).exec(pulled);
    expect(m, pulled).toBeTruthy();
    // The random layers cannot compress away: the image is at least their sum.
    expect(Number(m?.[3])).toBeGreaterThanOrEqual(LAYERS * LAYER_BYTES);
    // The UI's pull view reads the same events.
    const p = JSON.parse(await c.k.ok(['get', 'pod', 'private', '-o', 'json'])) as Pod;
    expect(podPulls(p, evs).map((s) => [s.image, s.state])).toEqual([[image, 'pulled']]);
    expect(await c.k.ok(['exec', 'private', '--', 'sh', '-c', `ls /layer-${LAYERS - 1} && wc -c < /layer-0`])).toMatch(new RegExp(`/layer-${LAYERS - 1}\\n\\s*${LAYER_BYTES}\\n`));
  });

  it('with a wrong password: ErrImagePull with the registry`s refusal, then ImagePullBackOff', async () => {
    await secret('wrong', 'not-the-password');
    // Always: the engine has the image since the test above, so only a pull policy of Always asks the registry again.
    await c.k.ok(['apply', '-f', c.file('wrong.yaml', pod('wrong', 'wrong', 'Always'))]);
    const watch = c.k.stream(['get', 'pod', 'wrong', '-w', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}{"|"}{.status.containerStatuses[0].state.waiting.message}{"\\n"}']);
    try {
      const lines = () => watch.output().split('\n').filter((l) => l.includes('|'));
      await eventually('ErrImagePull then ImagePullBackOff', () => {
        const reasons = lines().map((l) => l.split('|')[0]);
        const err = reasons.indexOf('ErrImagePull');
        return err >= 0 && reasons.indexOf('ImagePullBackOff', err) > err;
      }, 90_000).catch((e: Error) => {
        throw new Error(`${e.message}; kubectl get -w printed:\n${watch.output()}`);
      });
      const err = lines().find((l) => l.startsWith('ErrImagePull|')) ?? '';
      expect(err).toMatch(/unauthorized|authentication required/);
      expect(lines().find((l) => l.startsWith('ImagePullBackOff|'))).toBe(`ImagePullBackOff|Back-off pulling image "${image}"`);
    } finally {
      watch.stop();
    }
    const evs = await events('wrong');
    const failed = evs.find((e) => e.reason === 'Failed' && e.message?.startsWith(`Failed to pull image "${image}": `));
    expect(failed?.type).toBe('Warning');
    expect(failed?.message).toMatch(/unauthorized|authentication required/);
    expect(evs.some((e) => e.reason === 'BackOff' && e.message === `Back-off pulling image "${image}"`)).toBe(true);
    expect(await c.k.ok(['get', 'pod', 'wrong'])).toMatch(/^wrong\s+0\/1\s+(ErrImagePull|ImagePullBackOff)\s/m);
  });
});
