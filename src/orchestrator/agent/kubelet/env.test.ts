import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types.js';
import { IMAGE, NODE, NODE_IP, kubeletFixture, type KubeletFixture } from '../testing/kubeletFixture.js';

let f: KubeletFixture;
beforeEach(async () => {
  f = await kubeletFixture();
});
afterEach(() => f.dispose());

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function configMap(name: string, data: Record<string, string>): Promise<void> {
  await f.client.create<KubeObject>('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });
}
async function secret(name: string, data: Record<string, string>): Promise<void> {
  await f.client.create<KubeObject>('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) });
}
const envOf = (pod: string) => f.runtime.spec(f.containersOf(pod)[0]!.id)!.env ?? [];

describe('kubelet: container environment', () => {
  it('resolves ConfigMap and Secret keys, pod fields, resources and envFrom with a prefix, in order', async () => {
    await configMap('cfg', { MODE: 'fast', 'log.level': 'debug', COLOR: 'blue' });
    await secret('creds', { PASSWORD: 's3cret', USER: 'bob' });
    await f.createPod('app', {
      containers: [
        {
          name: 'main',
          image: IMAGE,
          resources: { limits: { cpu: '1500m', memory: '64Mi' }, requests: { cpu: '250m' } },
          envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { secretRef: { name: 'creds' } }],
          env: [
            { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'MODE' } } },
            { name: 'PASS', valueFrom: { secretKeyRef: { name: 'creds', key: 'PASSWORD' } } },
            { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            { name: 'HOST_IP', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
            { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
            { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
            { name: 'CPU_REQ_M', valueFrom: { resourceFieldRef: { resource: 'requests.cpu', divisor: '1m' } } },
            { name: 'URL', value: 'http://$(POD):$(MISSING)/$(MODE)/$$(POD)' },
            { name: 'MISSING_OPTIONAL', valueFrom: { configMapKeyRef: { name: 'nope', key: 'x', optional: true } } },
          ],
        },
      ],
    });
    const env = envOf('app');
    const podIP = (await f.pod('app')).status!.podIP!;
    expect(env).toEqual([
      'CFG_MODE=fast',
      'CFG_log.level=debug',
      'CFG_COLOR=blue',
      'PASSWORD=s3cret',
      'USER=bob',
      'MODE=fast',
      'PASS=s3cret',
      'POD=app',
      'NS=default',
      `NODE=${NODE}`,
      `HOST_IP=${NODE_IP}`,
      `POD_IP=${podIP}`,
      'SA=default',
      'CPU=2',
      'MEM_MI=64',
      'CPU_REQ_M=250',
      'URL=http://app:$(MISSING)/fast/$(POD)',
    ]);
    // `CFG_log.level` is a valid name since Kubernetes 1.30 relaxed the rule (only '=' and
    // non-printable characters are refused, which ConfigMap keys cannot hold).
    const events = await f.events('app');
    expect(events.filter((e) => e.reason === 'InvalidEnvironmentVariableNames')).toHaveLength(0);
  });

  it('expands $(VAR) in command and args from the container environment', async () => {
    await f.createPod('cmd', {
      containers: [{ name: 'main', image: IMAGE, env: [{ name: 'WHO', value: 'world' }], command: ['sh', '-c', 'echo $(WHO)'], args: ['$(WHO)', '$$(WHO)', '$(NOPE)'] }],
    });
    const spec = f.runtime.spec(f.containersOf('cmd')[0]!.id)!;
    expect(spec.entrypoint).toEqual(['sh', '-c', 'echo world']);
    expect(spec.cmd).toEqual(['world', '$(WHO)', '$(NOPE)']);
  });

  it('waits with CreateContainerConfigError for a missing ConfigMap, and starts once it appears', async () => {
    await f.createPod('late', { containers: [{ name: 'main', image: IMAGE, env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'later', key: 'x' } } }] }] });
    let pod = await f.pod('late');
    expect(pod.status!.containerStatuses![0]!.state).toEqual({ waiting: { reason: 'CreateContainerConfigError', message: 'configmap "later" not found' } });
    expect(f.containersOf('late')).toHaveLength(0);
    expect((await f.events('late')).some((e) => e.reason === 'Failed' && e.message === 'Error: configmap "later" not found')).toBe(true);
    // The node watches exactly the objects its pods use, by name.
    expect(f.kubelet.syncer.objects.watched()).toEqual(['configmaps/default/later']);
    await configMap('later', { y: '1' });
    await f.settle();
    pod = await f.pod('late');
    expect(pod.status!.containerStatuses![0]!.state.waiting).toEqual({ reason: 'CreateContainerConfigError', message: "couldn't find key x in ConfigMap default/later" });
    await f.client.patch('configmaps', 'default', 'later', 'merge', { data: { x: 'now' } });
    await f.settle();
    pod = await f.pod('late');
    expect(pod.status!.containerStatuses![0]!.state.running).toBeDefined();
    expect(envOf('late')).toEqual(['X=now']);
  });

  it('reports a missing Secret and key with the kubelet messages', async () => {
    await f.createPod('nosecret', { containers: [{ name: 'main', image: IMAGE, env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'gone', key: 'k' } } }] }] });
    expect((await f.pod('nosecret')).status!.containerStatuses![0]!.state.waiting?.message).toBe('secret "gone" not found');
    await secret('gone', { other: 'v' });
    await f.settle();
    expect((await f.pod('nosecret')).status!.containerStatuses![0]!.state.waiting?.message).toBe("couldn't find key k in Secret default/gone");
  });

  it('stops watching an object once no pod uses it', async () => {
    await configMap('shared', { a: '1' });
    const spec = { containers: [{ name: 'main', image: IMAGE, envFrom: [{ configMapRef: { name: 'shared' } }] }], terminationGracePeriodSeconds: 0 };
    await f.createPod('one', spec);
    await f.createPod('two', spec);
    expect(f.kubelet.syncer.objects.watched()).toEqual(['configmaps/default/shared']);
    await f.client.delete('pods', 'default', 'one');
    await f.settle();
    expect(f.kubelet.syncer.objects.watched()).toEqual(['configmaps/default/shared']);
    await f.client.delete('pods', 'default', 'two');
    await f.settle();
    expect(f.kubelet.syncer.objects.watched()).toEqual([]);
  });
});
