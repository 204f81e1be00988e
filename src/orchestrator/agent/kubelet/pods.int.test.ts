import Docker from 'dockerode';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Endpoints, KubeEvent, KubeObject, Pod, PodSpec } from '../../api/types.js';
import { TokenAuthenticator } from '../../apiserver/auth.js';
import { Registry } from '../../apiserver/registry.js';
import { LocalClient } from '../../client/LocalClient.js';
import { startControllers, type ControllerManager } from '../../controllers/manager.js';
import { SqliteStore } from '../../store/SqliteStore.js';
import { systemClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import type { AgentConfig } from '../config.js';
import { startAgent, type AgentHandle } from '../main.js';
import { LABELS } from '../runtime/types.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../testing/images.js';
import { eventually } from '../../testing/eventually.js';

// A node name of its own: this agent only ever sees (and removes) containers labelled with it.
const NODE = `pods-it-${randomBytes(4).toString('hex')}`;
const dataDir = mkdtempSync(join(tmpdir(), 'skiff-pods-it-'));
const memoryDir = `/dev/shm/skiff-${NODE}`;
const config: AgentConfig = { server: 'https://127.0.0.1:1', token: randomBytes(16).toString('hex'), ca: 'unused', nodeName: NODE, kubeletPort: 0, dataDir, dockerSocket: '/var/run/docker.sock' };
const docker = new Docker();
const run = promisify(execFile);
const store = new SqliteStore(':memory:');
const client = new LocalClient(new Registry(store, systemClock));
let agent: AgentHandle;
let controllers: ControllerManager;

const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> => eventually(what, fn, ms);

const getPod = (name: string) => client.get<Pod>('pods', 'default', name);
const containerId = async (pod: string, c = 'main') => ((await getPod(pod)).status?.containerStatuses?.find((s) => s.name === c)?.containerID ?? '').replace('docker://', '');

/** Runs a command in a container with the docker CLI; stdout, or throws with stderr. */
async function dexec(id: string, cmd: string[]): Promise<string> {
  return (await run('docker', ['exec', id, ...cmd], { timeout: 15_000 })).stdout;
}

async function createPod(name: string, spec: Partial<PodSpec>, labels?: Record<string, string>): Promise<void> {
  await client.create<Pod>('pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...(labels ? { labels } : {}) },
    spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [], ...spec },
  });
}

const running = (name: string, c = 'main') =>
  waitFor(`${name}/${c} running`, async () => {
    const p = await getPod(name);
    return p.status?.containerStatuses?.find((s) => s.name === c)?.state.running ? p : undefined;
  });

async function events(pod: string): Promise<KubeEvent[]> {
  return (await client.list<KubeEvent>('events', { namespace: 'default' })).items.filter((e) => e.involvedObject.name === pod);
}

const sleeper = (extra: Record<string, unknown> = {}) => ({ name: 'main', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'], ...extra });

beforeAll(async () => {
  await ensureBusyboxImage();
  for (const name of ['default', 'kube-system']) await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  controllers = startControllers({ client, clock: systemClock, log: silentLogger, options: { rootCA: { caPem: 'TEST-CA-PEM' }, disabled: ['scheduler', 'nodelifecycle'] } });
  await controllers.synced();
  await waitFor('default service account', () => client.get('serviceaccounts', 'default', 'default'));
  // The kubelet alone: no node network here (no hostnet component), pods use the engine's default bridge.
  agent = await startAgent(config, { client, clock: systemClock, log: silentLogger, network: false });
});

afterAll(async () => {
  await agent?.dispose();
  await controllers?.dispose();
  const ours = await docker.listContainers({ all: true, filters: { label: [`${LABELS.node}=${NODE}`] } });
  for (const c of ours) await docker.getContainer(c.Id).remove({ force: true });
  const vols = (await docker.listVolumes({ filters: { label: [`${LABELS.node}=${NODE}`] } })).Volumes ?? [];
  for (const v of vols) await docker.getVolume(v.Name).remove().catch(() => undefined);
  store.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(memoryDir, { recursive: true, force: true });
});

describe('pods on the real Docker engine: volumes, config, init containers', () => {
  it('an init container prepares a file in an emptyDir that the app reads', async () => {
    await createPod('init', {
      volumes: [{ name: 'work', emptyDir: {} }],
      initContainers: [{ name: 'prepare', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'echo prepared-by-init > /work/msg'], volumeMounts: [{ name: 'work', mountPath: '/work' }] }],
      containers: [sleeper({ command: ['sh', '-c', 'cat /work/msg; while true; do sleep 1; done'], volumeMounts: [{ name: 'work', mountPath: '/work' }] })],
    });
    const pod = await running('init');
    expect(pod.status!.initContainerStatuses![0]!.state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    const logs = await docker.getContainer(await containerId('init')).logs({ stdout: true });
    expect(logs.toString()).toContain('prepared-by-init');
  });

  it('two containers share an emptyDir (and a subPath of it); it outlives a container restart', async () => {
    await createPod('share', {
      volumes: [{ name: 'shared', emptyDir: {} }],
      containers: [
        sleeper({ volumeMounts: [{ name: 'shared', mountPath: '/data' }] }),
        sleeper({ name: 'reader', volumeMounts: [{ name: 'shared', mountPath: '/in' }, { name: 'shared', mountPath: '/sub', subPath: 'part/one' }] }),
      ],
    });
    await running('share');
    await running('share', 'reader');
    const main = await containerId('share');
    const reader = await containerId('share', 'reader');
    await dexec(main, ['sh', '-c', 'echo hello > /data/greeting']);
    expect(await dexec(reader, ['cat', '/in/greeting'])).toBe('hello\n');
    await dexec(reader, ['sh', '-c', 'echo via-subpath > /sub/f']);
    expect(await dexec(main, ['cat', '/data/part/one/f'])).toBe('via-subpath\n');
    // The volume's root is writable by anyone (0777), as an emptyDir is on Kubernetes.
    expect((await dexec(main, ['ls', '-ld', '/data'])).slice(0, 10)).toBe('drwxrwxrwx');
    await docker.getContainer(main).kill();
    await waitFor('main restarted', async () => ((await getPod('share')).status?.containerStatuses?.[0]?.restartCount === 1 ? true : undefined));
    const again = await waitFor('new run', async () => ((await containerId('share')) !== main ? containerId('share') : undefined));
    await running('share');
    expect(await dexec(again, ['cat', '/data/greeting'])).toBe('hello\n');
  });

  it('a memory emptyDir is a tmpfs of its sizeLimit, and keeps its data across a restart', async () => {
    await createPod('mem', {
      securityContext: { fsGroup: 2000, runAsUser: 1000 },
      volumes: [{ name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }],
      containers: [sleeper({ volumeMounts: [{ name: 'cache', mountPath: '/cache' }] })],
    });
    await running('mem');
    const id = await containerId('mem');
    expect(await dexec(id, ['grep', ' /cache ', '/proc/mounts'])).toMatch(/^tmpfs \/cache tmpfs rw.*size=1024k/);
    expect(await dexec(id, ['id'])).toMatch(/^uid=1000 gid=0 groups=.*\b2000\b/);
    const ls = await dexec(id, ['ls', '-lnd', '/cache']);
    expect(ls).toMatch(/^drwxrwsrwx\s+\d+\s+0\s+2000 /);
    await dexec(id, ['sh', '-c', 'echo kept > /cache/f']);
    // busybox's head reports ENOSPC as an I/O error: the 1 MiB tmpfs is full.
    await expect(dexec(id, ['sh', '-c', 'head -c 2000000 /dev/zero > /cache/big'])).rejects.toThrow(/I\/O error|No space left/);
    await docker.getContainer(id).kill();
    const next = await waitFor('restart', async () => ((await containerId('mem')) !== id ? containerId('mem') : undefined));
    await running('mem');
    expect(await dexec(next, ['cat', '/cache/f'])).toBe('kept\n');
  });

  it('a disk emptyDir past its sizeLimit gets the pod evicted, as the kubelet words it', async () => {
    await createPod('full', {
      volumes: [{ name: 'scratch', emptyDir: { sizeLimit: '1Mi' } }],
      containers: [sleeper({ volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] })],
    });
    await running('full');
    const id = await containerId('full');
    // Well within the limit: nothing happens (the agent measures every 10 s).
    await dexec(id, ['sh', '-c', 'head -c 100000 /dev/urandom > /scratch/small']);
    await dexec(id, ['sh', '-c', 'head -c 3000000 /dev/urandom > /scratch/big']);
    const failed = await waitFor('the eviction', async () => ((await getPod('full')).status?.phase === 'Failed' ? getPod('full') : undefined), 90_000);
    const message = 'Usage of EmptyDir volume "scratch" exceeds the limit "1Mi". ';
    expect([failed.status?.reason, failed.status?.message]).toEqual(['Evicted', message]);
    expect((await events('full')).find((e) => e.reason === 'Evicted')?.message).toBe(message);
    expect((await docker.getContainer(id).inspect()).State.Running).toBe(false);
  });

  it('env from a ConfigMap and a Secret, with $(VAR) expansion', async () => {
    await client.create<KubeObject>('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app-config', namespace: 'default' }, data: { MODE: 'production', COLOR: 'blue' } });
    await client.create<KubeObject>('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'app-secret', namespace: 'default' }, data: { PASSWORD: Buffer.from('s3cret').toString('base64') } });
    await createPod('env', {
      containers: [
        sleeper({
          envFrom: [{ configMapRef: { name: 'app-config' }, prefix: 'CFG_' }],
          env: [
            { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'app-secret', key: 'PASSWORD' } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'DSN', value: 'db://admin:$(PASSWORD)@$(POD_IP)/$(CFG_MODE)' },
          ],
        }),
      ],
    });
    const pod = await running('env');
    const env = await dexec(await containerId('env'), ['env']);
    expect(env).toContain('CFG_MODE=production\n');
    expect(env).toContain('CFG_COLOR=blue\n');
    expect(env).toContain('PASSWORD=s3cret\n');
    expect(env).toContain(`DSN=db://admin:s3cret@${pod.status!.podIP}/production\n`);
  });

  it('a ConfigMap update reaches the mounted file (atomically, through ..data)', async () => {
    await client.create<KubeObject>('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'site', namespace: 'default' }, data: { 'index.html': 'version one' } });
    await createPod('cm', { volumes: [{ name: 'site', configMap: { name: 'site' } }], containers: [sleeper({ volumeMounts: [{ name: 'site', mountPath: '/www' }] })] });
    await running('cm');
    const id = await containerId('cm');
    expect(await dexec(id, ['cat', '/www/index.html'])).toBe('version one');
    await client.patch('configmaps', 'default', 'site', 'merge', { data: { 'index.html': 'version two' } });
    await waitFor('the new content in the container', async () => ((await dexec(id, ['cat', '/www/index.html'])) === 'version two' ? true : undefined), 60_000);
    expect(await dexec(id, ['ls', '-la', '/www'])).toMatch(/index\.html -> \.\.data\/index\.html/);
    // Read-only, as every configMap volume is.
    await expect(dexec(id, ['sh', '-c', 'echo x > /www/new'])).rejects.toThrow(/Read-only file system/);
  });

  it('a Secret mounted 0400 lives in memory, never on the host disk', async () => {
    await client.create<KubeObject>('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tls', namespace: 'default' }, data: { 'key.pem': Buffer.from('PRIVATE').toString('base64') } });
    await createPod('sec', { volumes: [{ name: 'tls', secret: { secretName: 'tls', defaultMode: 0o400 } }], containers: [sleeper({ volumeMounts: [{ name: 'tls', mountPath: '/etc/tls' }] })] });
    await running('sec');
    const id = await containerId('sec');
    expect(await dexec(id, ['cat', '/etc/tls/key.pem'])).toBe('PRIVATE');
    expect((await dexec(id, ['ls', '-lL', '/etc/tls/key.pem'])).slice(0, 10)).toBe('-r--------');
    const mount = (await docker.getContainer(id).inspect()).Mounts.find((m) => m.Destination === '/etc/tls')!;
    expect(mount.Source.startsWith('/dev/shm/')).toBe(true);
    expect(statfsSync(mount.Source).type).toBe(0x01021994); // TMPFS_MAGIC
    const uid = (await getPod('sec')).metadata.uid!;
    await client.delete('pods', 'default', 'sec');
    await waitFor('pod gone', async () => client.get('pods', 'default', 'sec').then(() => undefined, () => true));
    await waitFor('secret files removed', async () => statfsSync(join(memoryDir, 'pods')) && !(await import('node:fs')).existsSync(join(memoryDir, 'pods', uid)));
  });

  it('mounts the service account token, CA and namespace; the token authenticates as the pod`s service account', async () => {
    await waitFor('kube-root-ca.crt', () => client.get('configmaps', 'default', 'kube-root-ca.crt'));
    await createPod('sa', { containers: [sleeper()] });
    await running('sa');
    const id = await containerId('sa');
    const dir = '/var/run/secrets/kubernetes.io/serviceaccount';
    expect(await dexec(id, ['cat', `${dir}/namespace`])).toBe('default');
    expect(await dexec(id, ['cat', `${dir}/ca.crt`])).toBe('TEST-CA-PEM');
    const token = await dexec(id, ['cat', `${dir}/token`]);
    const auth = await TokenAuthenticator.create('admin-token-unused', store, systemClock);
    try {
      expect(auth.authenticate(`Bearer ${token}`)?.user).toBe('system:serviceaccount:default:default');
    } finally {
      auth.dispose();
    }
    await createPod('nosa', { automountServiceAccountToken: false, containers: [sleeper()] });
    await running('nosa');
    await expect(dexec(await containerId('nosa'), ['ls', dir])).rejects.toThrow();
  });
});

describe('probes on the real engine', () => {
  it('a failing liveness probe restarts the container (restartCount grows, Unhealthy and Killing events)', async () => {
    await createPod('live', {
      containers: [sleeper({ command: ['sh', '-c', 'touch /tmp/healthy; sleep 3; rm /tmp/healthy; while true; do sleep 1; done'], livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 2, timeoutSeconds: 10 } })],
    });
    await waitFor('a restart', async () => ((await getPod('live')).status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, 60_000);
    const ev = await events('live');
    expect(ev.find((e) => e.reason === 'Unhealthy')?.message).toMatch(/^Liveness probe failed: cat: can't open '\/tmp\/healthy': No such file or directory/);
    expect(ev.find((e) => e.reason === 'Killing')?.message).toBe('Container main failed liveness probe, will be restarted');
  });

  it('a failing readiness probe takes the pod out of its Service`s endpoints', async () => {
    await client.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
    await createPod(
      'web',
      {
        containers: [
          sleeper({
            command: ['sh', '-c', 'mkdir -p /www; echo ok > /www/index.html; httpd -f -p 8080 -h /www'],
            ports: [{ containerPort: 8080, name: 'http' }],
            readinessProbe: { httpGet: { path: '/index.html', port: 'http' }, periodSeconds: 1, failureThreshold: 1 },
          }),
        ],
      },
      { app: 'web' },
    );
    const ready = await waitFor('ready endpoint', async () => {
      const ep = await client.get<Endpoints>('endpoints', 'default', 'web');
      return ep.subsets?.[0]?.addresses?.[0]?.ip;
    });
    expect(ready).toBe((await getPod('web')).status!.podIP);
    await dexec(await containerId('web'), ['rm', '/www/index.html']);
    await waitFor('not ready endpoint', async () => {
      const ep = await client.get<Endpoints>('endpoints', 'default', 'web');
      return !ep.subsets?.[0]?.addresses?.length && ep.subsets?.[0]?.notReadyAddresses?.[0]?.ip === ready;
    });
    expect((await getPod('web')).status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('False');
    // Probes that ran before httpd listened failed too (connection refused): the 404 is among them.
    const unhealthy = (await events('web')).filter((e) => e.reason === 'Unhealthy').map((e) => e.message);
    expect(unhealthy).toContain('Readiness probe failed: HTTP probe failed with statuscode: 404');
  });
});
