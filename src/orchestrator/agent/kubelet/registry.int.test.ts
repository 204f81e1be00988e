import Docker from 'dockerode';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeEvent, KubeObject, Pod } from '../../api/types.js';
import { Registry } from '../../apiserver/registry.js';
import { LocalClient } from '../../client/LocalClient.js';
import { SqliteStore } from '../../store/SqliteStore.js';
import { systemClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import type { AgentConfig } from '../config.js';
import { startAgent, type AgentHandle } from '../main.js';
import { LABELS } from '../runtime/types.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../testing/images.js';
import { eventually } from '../../testing/eventually.js';

/**
 * A real private registry (Debian's `docker-registry`, distribution 2.8) on 127.0.0.1 with htpasswd
 * (bcrypt, made by apache2-utils' `htpasswd`) basic auth, over plain HTTP: dockerd treats registries
 * on 127.0.0.0/8 as insecure by default, so no certificate is needed. The test image is pushed to it
 * and removed locally, so the agent must really pull it, with the pod's pull secret.
 */
const TOOLS = ['/usr/bin/docker-registry', '/usr/bin/htpasswd'];
const missing = TOOLS.filter((t) => !existsSync(t));
if (missing.length) {
  console.warn(`SKIPPING the private registry tests: ${missing.join(', ')} not installed (apt-get install -y docker-registry apache2-utils)`);
}

const NODE = `registry-it-${randomBytes(4).toString('hex')}`;
const USER = 'skiff';
const PASSWORD = randomBytes(12).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'skiff-registry-it-'));
const docker = new Docker();
const store = new SqliteStore(':memory:');
const client = new LocalClient(new Registry(store, systemClock));
let registry: ChildProcess | undefined;
let agent: AgentHandle | undefined;
let image = '';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

const waitFor = <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 90_000): Promise<T> => eventually(what, fn, ms);

async function followProgress(stream: NodeJS.ReadableStream): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
      const failed = out?.find((o) => o.error);
      if (err || failed) reject(err ?? new Error(failed?.error));
      else resolve();
    }),
  );
}

const dockerConfig = (password: string) => ({
  '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { [image.split('/')[0] as string]: { username: USER, password, auth: Buffer.from(`${USER}:${password}`).toString('base64') } } })).toString('base64'),
});

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
  await ensureBusyboxImage();
  const port = await freePort();
  image = `127.0.0.1:${port}/skiff-test/busybox:${randomBytes(3).toString('hex')}`;
  writeFileSync(join(dir, 'htpasswd'), execFileSync('htpasswd', ['-Bbn', USER, PASSWORD]));
  writeFileSync(
    join(dir, 'config.yml'),
    ['version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'data')}`, 'http:', `  addr: 127.0.0.1:${port}`, 'auth:', '  htpasswd:', '    realm: skiff-test', `    path: ${join(dir, 'htpasswd')}`, ''].join('\n'),
  );
  registry = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  await waitFor('the registry', async () => (await fetch(`http://127.0.0.1:${port}/v2/`)).status === 401);
  // Push the local test image, then forget it here: the agent has to pull it back.
  const [repo, tag] = [image.slice(0, image.lastIndexOf(':')), image.slice(image.lastIndexOf(':') + 1)];
  await docker.getImage(BUSYBOX_IMAGE).tag({ repo, tag });
  await followProgress(await docker.getImage(image).push({ authconfig: { username: USER, password: PASSWORD, serveraddress: `127.0.0.1:${port}` } }));
  await docker.getImage(image).remove();
  await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  const config: AgentConfig = { server: 'https://127.0.0.1:1', token: 'unused', ca: 'unused', nodeName: NODE, kubeletPort: 0, dataDir: dir, dockerSocket: '/var/run/docker.sock' };
  // The kubelet alone: no node network here (no hostnet component), pods use the engine's default bridge.
  agent = await startAgent(config, { client, clock: systemClock, log: silentLogger, network: false });
});

afterAll(async () => {
  await agent?.dispose();
  for (const c of await docker.listContainers({ all: true, filters: { label: [`${LABELS.node}=${NODE}`] } })) await docker.getContainer(c.Id).remove({ force: true });
  if (image) await docker.getImage(image).remove().catch(() => undefined);
  registry?.kill();
  store.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(`/dev/shm/skiff-${NODE}`, { recursive: true, force: true });
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
    await client.create<KubeObject>('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'regcred', namespace: 'default' }, type: 'kubernetes.io/dockerconfigjson', data: dockerConfig(PASSWORD) });
    await client.create<Pod>('pods', pod('private', 'regcred'));
    await waitFor('private pod running', async () => (await client.get<Pod>('pods', 'default', 'private')).status?.containerStatuses?.[0]?.state.running);
    const events = (await client.list<KubeEvent>('events', { namespace: 'default' })).items.filter((e) => e.involvedObject.name === 'private');
    expect(events.find((e) => e.reason === 'Pulling')?.message).toBe(`Pulling image "${image}"`);
    expect(events.find((e) => e.reason === 'Pulled')?.message).toMatch(new RegExp(`^Successfully pulled image "${image.replace(/[.]/g, '\\.')}" in \\d+\\.\\d{3}s \\(\\d+\\.\\d{3}s including waiting\\)\\. Image size: \\d+ bytes\\.$`));
    expect(await docker.getImage(image).inspect()).toBeTruthy();
  });
});
