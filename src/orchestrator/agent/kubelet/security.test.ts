import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flush } from '../../util/clock.js';
import type { KubeObject } from '../../api/types.js';
import { IMAGE, kubeletFixture, type KubeletFixture } from '../testing/kubeletFixture.js';
import { credentialsFor, credentialsOf, imageRegistry } from './pullSecrets.js';

let f: KubeletFixture;
beforeEach(async () => {
  f = await kubeletFixture();
});
afterEach(() => f.dispose());

const specOf = (pod: string, c = 'main') => f.runtime.spec(f.containersOf(pod, c)[0]!.id)!;
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('kubelet: securityContext', () => {
  it('maps the pod and container security contexts onto the engine', async () => {
    mkdirSync(join(f.dataDir, 'seccomp', 'profiles'), { recursive: true });
    writeFileSync(join(f.dataDir, 'seccomp', 'profiles', 'audit.json'), '{"defaultAction":"SCMP_ACT_LOG"}');
    await f.createPod('sec', {
      shareProcessNamespace: true,
      hostIPC: true,
      securityContext: { runAsUser: 1000, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000], sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }, { name: 'kernel.shm_rmid_forced', value: '1' }], seccompProfile: { type: 'Localhost', localhostProfile: 'profiles/audit.json' } },
      containers: [
        {
          name: 'main',
          image: IMAGE,
          securityContext: { runAsUser: 1001, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] }, appArmorProfile: { type: 'Unconfined' }, procMount: 'Unmasked' },
        },
        { name: 'root', image: IMAGE, securityContext: { privileged: true, runAsUser: 0 } },
      ],
    });
    const s = specOf('sec');
    const sandbox = f.runtime.spec(f.sandboxesOf('sec')[0]!.id)!;
    expect(s.user).toBe('1001:3000');
    expect(s.groupAdd).toEqual(['4000', '2000']);
    expect(s.readonlyRootfs).toBe(true);
    expect(s.capAdd).toEqual(['NET_ADMIN']);
    expect(s.capDrop).toEqual(['ALL']);
    expect(s.securityOpt).toEqual(['no-new-privileges', 'seccomp={"defaultAction":"SCMP_ACT_LOG"}', 'apparmor=unconfined']);
    expect([s.maskedPaths, s.readonlyPaths]).toEqual([[], []]);
    expect(s.sysctls).toEqual({ 'kernel.shm_rmid_forced': '1' });
    expect(sandbox.sysctls).toEqual({ 'net.ipv4.ip_unprivileged_port_start': '0' });
    expect(s.pidMode).toBe(`container:${f.sandboxesOf('sec')[0]!.id}`);
    expect(s.ipcMode).toBe('host');
    const r = specOf('sec', 'root');
    expect([r.privileged, r.user, r.securityOpt]).toEqual([true, '0:3000', undefined]);
  });

  it('maps requests to CPU shares and a memory reservation', async () => {
    await f.createPod('res', { containers: [{ name: 'main', image: IMAGE, resources: { requests: { cpu: '250m', memory: '32Mi' }, limits: { memory: '64Mi' } } }] });
    const s = specOf('res');
    expect([s.cpuShares, s.memoryReservationBytes, s.memoryBytes]).toEqual([256, 32 * 1024 * 1024, 64 * 1024 * 1024]);
  });

  it('refuses to run as root under runAsNonRoot, with the kubelet messages', async () => {
    f.runtime.addImage('named:1', { user: 'nginx' });
    f.runtime.addImage('numeric:1', { user: '1000:1000' });
    await f.createPod('nonroot', {
      securityContext: { runAsNonRoot: true },
      containers: [
        { name: 'main', image: IMAGE },
        { name: 'named', image: 'named:1' },
        { name: 'numeric', image: 'numeric:1' },
        { name: 'zero', image: IMAGE, securityContext: { runAsUser: 0 } },
      ],
    });
    const pod = await f.pod('nonroot');
    const p = `nonroot_default(${pod.metadata.uid})`;
    const waiting = Object.fromEntries(pod.status!.containerStatuses!.map((c) => [c.name, c.state.waiting?.message ?? 'running']));
    expect(waiting).toEqual({
      main: `container has runAsNonRoot and image will run as root (pod: "${p}", container: main)`,
      named: `container has runAsNonRoot and image has non-numeric user (nginx), cannot verify user is non-root (pod: "${p}", container: named)`,
      numeric: 'running',
      zero: `container's runAsUser breaks non-root policy (pod: "${p}", container: zero)`,
    });
    expect(pod.status!.containerStatuses![0]!.state.waiting!.reason).toBe('CreateContainerConfigError');
  });
});

describe('image pull secrets', () => {
  const dockerConfig = (auths: Record<string, unknown>) => ({ metadata: { name: 's' }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64(JSON.stringify({ auths })) } }) as unknown as KubeObject;

  it('parses .dockerconfigjson and .dockercfg, and matches registries as the kubelet keyring does', () => {
    const { creds, bad } = credentialsOf([
      dockerConfig({ 'https://registry.example.com:5000/team': { auth: b64('alice:pw1') }, '*.corp.local': { username: 'bob', password: 'pw2' }, 'https://index.docker.io/v1/': { auth: b64('carol:pw3') } }),
      { metadata: { name: 'old' }, data: { '.dockercfg': b64(JSON.stringify({ 'old.example.com': { auth: b64('dave:pw4') } })) } } as unknown as KubeObject,
      { metadata: { name: 'junk' }, data: { '.dockerconfigjson': b64('not json') } } as unknown as KubeObject,
    ]);
    expect(bad).toEqual(['junk']);
    expect(credentialsFor('registry.example.com:5000/team/app:1', creds)).toEqual([{ username: 'alice', password: 'pw1', serveraddress: 'registry.example.com:5000' }]);
    expect(credentialsFor('registry.example.com:5000/other/app:1', creds)).toEqual([]);
    expect(credentialsFor('registry.example.com/team/app', creds)).toEqual([]);
    expect(credentialsFor('r.corp.local/x', creds)).toEqual([{ username: 'bob', password: 'pw2', serveraddress: '*.corp.local' }]);
    expect(credentialsFor('nginx:1.27', creds)).toEqual([{ username: 'carol', password: 'pw3', serveraddress: 'https://index.docker.io/v1/' }]);
    expect(credentialsFor('old.example.com/a/b@sha256:abc', creds).map((c) => c.username)).toEqual(['dave']);
    expect(imageRegistry('localhost:5000/app')).toEqual({ host: 'localhost:5000', path: 'app' });
    expect(imageRegistry('library/redis')).toEqual({ host: 'index.docker.io', path: 'library/redis' });
  });

  it('pulls a private image with the pod`s pull secret; without it the pull fails with ErrImagePull', async () => {
    f.runtime.privateImages.set('127.0.0.1:5000/team/app:1', { username: 'alice', password: 's3cret' });
    await f.client.create<KubeObject>('secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'regcred', namespace: 'default' },
      type: 'kubernetes.io/dockerconfigjson',
      data: { '.dockerconfigjson': b64(JSON.stringify({ auths: { '127.0.0.1:5000': { username: 'alice', password: 's3cret', auth: b64('alice:s3cret') } } })) },
    });
    await f.createPod('anon', { containers: [{ name: 'main', image: '127.0.0.1:5000/team/app:1' }] });
    const w = (await f.pod('anon')).status!.containerStatuses![0]!.state.waiting!;
    expect(w).toEqual({ reason: 'ErrImagePull', message: 'Head "https://127.0.0.1:5000/v2/": no basic auth credentials' });
    await f.createPod('authed', { imagePullSecrets: [{ name: 'missing' }, { name: 'regcred' }], containers: [{ name: 'main', image: '127.0.0.1:5000/team/app:1' }] });
    expect(f.containersOf('authed')[0]?.running).toBe(true);
    expect(f.runtime.pullAuths.at(-1)).toEqual({ username: 'alice', password: 's3cret', serveraddress: '127.0.0.1:5000' });
    const events = await f.events('authed');
    expect(events.find((e) => e.reason === 'FailedToRetrieveImagePullSecret')?.message).toBe('Unable to retrieve some image pull secrets (missing); attempting to pull the image may not succeed.');
    expect(events.find((e) => e.reason === 'Pulled')?.message).toMatch(/^Successfully pulled image "127.0.0.1:5000\/team\/app:1" in \d+\.\d{3}s \(\d+\.\d{3}s including waiting\)\. Image size: \d+ bytes\.$/);
  });
});

describe('fields the agent does not act on', () => {
  it('are recorded once as FieldNotSupported events on the pod', async () => {
    await f.createPod('resize', { containers: [{ name: 'main', image: IMAGE, resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }] }] });
    await f.advance(20_000, 10_000);
    const events = (await f.events('resize')).filter((e) => e.reason === 'FieldNotSupported');
    expect(events.map((e) => [e.type, e.message, e.count])).toEqual([['Warning', 'spec.containers[0].resizePolicy: resources are not resized in place by Skiff (a changed pod is recreated)', 1]]);
  });
});

describe('pull progress', () => {
  it('shows how far a pull got in the waiting container`s message', async () => {
    let release!: () => void;
    f.runtime.pullGate = new Promise<void>((r) => (release = r));
    f.runtime.pullProgress = [
      { status: 'Downloading', id: 'l1', current: 1_000_000, total: 2_000_000 },
      { status: 'Downloading', id: 'l2', current: 500_000, total: 3_000_000 },
    ];
    await f.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'big', namespace: 'default' }, spec: { nodeName: 'node-a', containers: [{ name: 'main', image: 'example.com/big:1' }] } });
    for (let i = 0; i < 20; i++) await flush();
    const w = (await f.pod('big')).status?.containerStatuses?.[0]?.state.waiting;
    expect(w).toEqual({ reason: 'ContainerCreating', message: 'Pulling image "example.com/big:1": 1.0 MB of 2.0 MB' }); // reported at most every 2 s: the first line
    release();
    await f.settle();
    expect((await f.pod('big')).status?.containerStatuses?.[0]?.state.running).toBeDefined();
  });
});
