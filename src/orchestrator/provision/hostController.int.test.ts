import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, type Lab } from '../../../e2e/lab/lab.js';
import { run } from '../../../e2e/lab/run.js';
import type { KubeEvent } from '../api/types.js';
import { issueNodeToken } from '../apiserver/auth.js';
import { NodeDialers } from '../client/nodeDialer.js';
import { Registry } from '../apiserver/registry.js';
import { LocalClient } from '../client/LocalClient.js';
import { SqliteStore } from '../store/SqliteStore.js';
import { systemClock, type Clock } from '../util/clock.js';
import { consoleLogger, silentLogger } from '../util/logger.js';
import { agentPaths, runningPidScript, staleTunnelScript } from './agentFiles.js';
import { loadCredentials } from './credentials.js';
import { SshSession } from './ssh.js';
import { fingerprintOfPublicKeyLine } from './fingerprint.js';
import { startHostController } from './hostController.js';
import { startFakeApi, STUB_AGENT, type FakeApi } from './testing/fakeApi.js';
import type { Timing } from './context.js';
import { HOST_FINALIZER, type Host } from './types.js';

/*
 * The host controller against real lab hosts over real SSH (ssh2), real SFTP, a real reverse tunnel
 * and real agent processes on the hosts. The agent is a stub (testing/fakeApi.ts) and the far end of
 * the tunnel a fake API that registers the Node when the stub says hello through the tunnel: the
 * real agent and API server are covered by the e2e suite. Needs root (the lab).
 */

const LAB_DIR = '/tmp/skiff-lab-provision-test';
const CA = '-----BEGIN CERTIFICATE-----\nstub\n-----END CERTIFICATE-----\n';

let lab: Lab;
let store: SqliteStore;
let client: LocalClient;
let api: FakeApi;
let dialers: NodeDialers;
let controller: { dispose(): Promise<void> };
let bundleDir: string;
let sshAgent: ChildProcess | undefined;

/** Waits on a condition. Generous: a loaded 2-core machine is slow, and a fast one never waits this long. */
async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 90_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const getHost = (name: string) => client.get<Host>('hosts', undefined, name);
const hostInPhase = (name: string, phase: string, timeoutMs?: number) =>
  until(`host ${name} phase ${phase}`, async () => {
    const h = await getHost(name);
    return h.status?.phase === phase ? h : undefined;
  }, timeoutMs);
const nodeExists = (name: string) => client.get('nodes', undefined, name).then(() => true, () => false);

function startController(opts: { clock?: Clock; timing?: Partial<Timing> } = {}) {
  controller = startHostController({
    client,
    clock: opts.clock ?? systemClock,
    log: process.env.SKIFF_TEST_LOG ? consoleLogger({ component: 'test' }) : silentLogger,
    dialers,
    agentBundlePath: join(bundleDir, 'skiff-agent.js'),
    apiPort: api.port,
    caPem: CA,
    issueNodeToken: (node) => issueNodeToken(client, node),
    env: { ...process.env, SSH_AUTH_SOCK: join(bundleDir, 'agent.sock') },
    timing: { connectTimeoutMs: 15_000, keepaliveIntervalMs: 1_000, keepaliveCountMax: 2, nodeReadyTimeoutMs: 30_000, stepTimeoutMs: 20_000, pollMs: 200, agentStartCheckMs: 500, retryBaseMs: 1_500, retryMaxMs: 3_000, ...opts.timing },
  });
}

async function addHost(name: string, address: string, extra: Record<string, unknown> = {}, keySecret = 'lab-key'): Promise<void> {
  await client.create('hosts', { apiVersion: 'skiff.dev/v1alpha1', kind: 'Host', metadata: { name }, spec: { address, user: 'root', privateKeySecretRef: { namespace: 'kube-system', name: keySecret }, ...extra } });
}

function readStream(s: Duplex): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    s.on('data', (d: Buffer) => (out += d.toString()));
    s.on('end', () => resolve(out));
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
}

function hostKeyFingerprint(n: number): string {
  return fingerprintOfPublicKeyLine(readFileSync(join(LAB_DIR, `w${n}`, 'ssh_host_ed25519_key.pub'), 'utf8'));
}

beforeAll(async () => {
  lab = await createLab({
    hosts: 4,
    dir: LAB_DIR,
    hostOptions: { 'lab-w3': { docker: false, fakeNodeVersion: 'v18.19.0' }, 'lab-w4': { docker: false } },
  });
  bundleDir = mkdtempSync(join(tmpdir(), 'skiff-provision-bundle-'));
  writeFileSync(join(bundleDir, 'skiff-agent.js'), STUB_AGENT);
  store = new SqliteStore(':memory:');
  client = new LocalClient(new Registry(store, systemClock));
  for (const ns of ['default', 'kube-system']) await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const key = readFileSync(lab.keyPath).toString('base64');
  await client.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'lab-key', namespace: 'kube-system' }, data: { 'ssh-privatekey': key } });
  const wrong = (await run('sh', ['-c', 'f=$(mktemp -u) && ssh-keygen -q -t ed25519 -N "" -f "$f" && cat "$f" && rm -f "$f" "$f.pub"'])).stdout;
  await client.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'wrong-key', namespace: 'kube-system' }, data: { 'ssh-privatekey': Buffer.from(wrong).toString('base64') } });
  // An ssh-agent holding the lab key, for hosts with spec.useAgent.
  const sock = join(bundleDir, 'agent.sock');
  sshAgent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
  await until('ssh-agent socket', () => existsSync(sock) || undefined, 10_000);
  await run('ssh-add', ['-q', lab.keyPath], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
  api = await startFakeApi(client);
  dialers = new NodeDialers();
  startController();
}, 900_000); // includes waiting for the machine-wide lab lock

afterAll(async () => {
  await controller?.dispose();
  await api?.close();
  sshAgent?.kill();
  await lab?.dispose();
  store?.close();
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
}, 120_000);

describe('host controller on lab hosts', () => {
  let agentPid = 0;

  it('provisions a host: pins its key, uploads and starts the agent with its config, tunnels to the API, dials the node', async () => {
    await addHost('w1', '10.77.0.11');
    const host = await hostInPhase('w1', 'Ready');
    expect(host.metadata.finalizers).toContain(HOST_FINALIZER);
    expect(host.status?.nodeName).toBe('lab-w1');
    expect(host.status?.pinnedHostKey).toBe(hostKeyFingerprint(1));
    expect(host.status?.steps?.map((s) => [s.name, s.state])).toEqual(['connect', 'hostKey', 'detect', 'upload', 'tunnel', 'agent', 'node'].map((n) => [n, 'done']));
    expect(host.status?.steps?.find((s) => s.name === 'hostKey')?.message).toMatch(/trusted on first use and pinned/);
    expect(host.status?.conditions?.filter((c) => c.status === 'True').map((c) => c.type).sort()).toEqual(['Connected', 'Provisioned', 'Ready']);

    const p = agentPaths('lab-w1');
    const started = JSON.parse(readFileSync(join(p.dataDir, 'stub-started.json'), 'utf8')) as { pid: number; argv: string[]; config: Record<string, unknown> };
    const token = await issueNodeToken(client, 'lab-w1');
    expect(started.config).toEqual({
      server: 'https://127.0.0.1:16443',
      token,
      ca: CA,
      nodeName: 'lab-w1',
      kubeletPort: 10250,
      dataDir: '/var/lib/skiff/agent/lab-w1',
      dockerSocket: '/var/run/docker.sock',
      nodeIP: '10.77.0.11',
      hostNetwork: 'container',
      bundlePath: p.bundle,
    });
    expect(started.argv.slice(1)).toEqual([p.bundle, '--config', p.config]);
    expect(statSync(p.config).mode & 0o777).toBe(0o600);
    expect(Number(readFileSync(p.pid, 'utf8'))).toBe(started.pid);
    // It runs on the host (in its network namespace), detached from any SSH session.
    expect(statSync(`/proc/${started.pid}/ns/net`).ino).toBe(statSync('/run/netns/w1').ino);
    const sid = readFileSync(`/proc/${started.pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[3];
    expect(Number(sid)).toBe(started.pid);
    agentPid = started.pid;

    // The tunnel listens on the host's loopback and the stub's hellos (with the node token) came through it.
    const listening = await run('ip', ['netns', 'exec', 'w1', 'ss', '-ltnH', 'sport = :16443']);
    expect(listening.stdout).toContain('127.0.0.1:16443');
    expect(api.hellos.get('lab-w1')?.[0]).toBe(token);
    expect(await nodeExists('lab-w1')).toBe(true);

    // The API server reaches the agent's kubelet port through the SSH connection.
    expect(await readStream(await dialers.dial('lab-w1', 10250))).toBe('kubelet lab-w1\n');
  });

  it('reconnects after the SSH connection drops, and after a control-plane restart, without restarting the agent or containers', async () => {
    await lab.dockerOn('lab-w1', ['run', '-d', '--name', 'prov-test-managed', '--label', 'io.skiff.managed=true', 'local/busybox:1', 'sleep', '3600']);
    const startedAt = async () => (await lab.dockerOn('lab-w1', ['inspect', '-f', '{{.State.StartedAt}}', 'prov-test-managed'])).stdout.trim();
    const before = await startedAt();

    // Kill the sshd processes serving our session on the host (not the listener, not the agent).
    const sshdPid = Number(readFileSync('/run/sshd-w1.pid', 'utf8'));
    const sessions = (await run('ip', ['netns', 'pids', 'w1'])).stdout.split('\n').map(Number).filter((pid) => {
      if (!pid || pid === sshdPid) return false;
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sshd: root');
      } catch {
        return false;
      }
    });
    expect(sessions.length).toBeGreaterThan(0);
    for (const pid of sessions) process.kill(pid, 'SIGKILL');
    await until('Connected=False', async () => ((await getHost('w1')).status?.conditions?.find((c) => c.type === 'Connected')?.status === 'False' ? true : undefined), 90_000);
    await until('reconnected', async () => {
      const h = await getHost('w1');
      return h.status?.phase === 'Ready' && h.status.conditions?.find((c) => c.type === 'Connected')?.status === 'True' ? h : undefined;
    });
    expect((await getHost('w1')).status?.steps?.find((s) => s.name === 'agent')?.message).toBe(`already running (pid ${agentPid}); left alone`);
    expect(await readStream(await dialers.dial('lab-w1', 10250))).toBe('kubelet lab-w1\n');

    // A new control plane process: the same Host reconnects the same way.
    await controller.dispose();
    await expect(dialers.dial('lab-w1', 10250)).rejects.toThrow(/no connection to node "lab-w1"/);
    expect(existsSync(`/proc/${agentPid}`)).toBe(true);
    // Step times have whole seconds: let one pass so the new run's steps are told apart from the last one's.
    await new Promise((r) => setTimeout(r, 1_100));
    const stepsBefore = JSON.stringify((await getHost('w1')).status?.steps);
    startController();
    await until('ready after restart', async () => {
      const h = await getHost('w1');
      return h.status?.phase === 'Ready' && JSON.stringify(h.status.steps) !== stepsBefore ? h : undefined;
    });
    expect((await getHost('w1')).status?.steps?.find((s) => s.name === 'agent')?.message).toBe(`already running (pid ${agentPid}); left alone`);
    expect(await readStream(await dialers.dial('lab-w1', 10250))).toBe('kubelet lab-w1\n');
    expect(Number(readFileSync(agentPaths('lab-w1').pid, 'utf8'))).toBe(agentPid);
    expect(await startedAt()).toBe(before);
  });

  it('reconnects once a network partition heals', async () => {
    await lab.partition('lab-w1');
    await until('Connected=False', async () => ((await getHost('w1')).status?.conditions?.find((c) => c.type === 'Connected')?.status === 'False' ? true : undefined), 90_000);
    await expect(dialers.dial('lab-w1', 10250)).rejects.toThrow(/no connection/);
    await lab.heal('lab-w1');
    const back = await until('reconnected after heal', async () => {
      const h = await getHost('w1');
      return h.status?.phase === 'Ready' && h.status.conditions?.find((c) => c.type === 'Connected')?.status === 'True' ? h : undefined;
    }, 90_000);
    // The old session may still hold the tunnel port on the host (sshd does not notice a vanished client): then it is ended.
    expect(back.status?.steps?.find((s) => s.name === 'tunnel')?.message).toMatch(/^127\.0\.0\.1:16443 on the host leads to the API server/);
    expect(back.status?.steps?.find((s) => s.name === 'agent')?.message).toBe(`already running (pid ${agentPid}); left alone`);
    expect(await readStream(await dialers.dial('lab-w1', 10250))).toBe('kubelet lab-w1\n');
  });

  it('connects with a passphrase-protected key, its passphrase read from the Secret beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-locked-key-'));
    try {
      const locked = join(dir, 'key');
      writeFileSync(locked, readFileSync(lab.keyPath), { mode: 0o600 });
      await run('ssh-keygen', ['-q', '-p', '-N', 'lab passphrase', '-f', locked]);
      expect(readFileSync(locked, 'utf8')).not.toBe(readFileSync(lab.keyPath, 'utf8'));
      const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64');
      await client.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'locked-key', namespace: 'kube-system' }, data: { 'ssh-privatekey': b64(readFileSync(locked)), 'ssh-passphrase': b64('lab passphrase') } });
      const spec = { address: '10.77.0.12', port: 22, user: 'root', useAgent: false, privateKeySecretRef: { namespace: 'kube-system', name: 'locked-key' } };
      const creds = await loadCredentials(client, spec, {});
      const session = await SshSession.connect({ ...spec, ...creds, readyTimeoutMs: 5_000, keepaliveIntervalMs: 0, keepaliveCountMax: 3 }, systemClock);
      try {
        expect((await session.exec('hostname')).stdout.trim()).toBe('lab-w2');
      } finally {
        session.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await client.delete('secrets', 'kube-system', 'locked-key').catch(() => undefined);
    }
  });

  it('ends a stale session that holds the tunnel port, and only that one', async () => {
    const opts = { address: '10.77.0.12', port: 22, user: 'root', privateKey: readFileSync(lab.keyPath), readyTimeoutMs: 5_000, keepaliveIntervalMs: 0, keepaliveCountMax: 3 };
    const holder = await SshSession.connect(opts, systemClock);
    const other = await SshSession.connect(opts, systemClock);
    try {
      await holder.forwardIn(16500, (s) => s.end());
      await expect(other.forwardIn(16500, (s) => s.end())).rejects.toThrow(/cannot listen on 127\.0\.0\.1:16500 on 10\.77\.0\.12/);
      const ended = (await other.exec(staleTunnelScript(16500))).stdout.trim();
      expect(ended).toMatch(/^\d+$/);
      await holder.closed;
      expect(holder.isOpen).toBe(false);
      expect(other.isOpen).toBe(true);
      // Its own tunnel is never a target.
      await other.forwardIn(16500, (s) => s.end());
      expect((await other.exec(staleTunnelScript(16500))).stdout.trim()).toBe('');
      expect(other.isOpen).toBe(true);
    } finally {
      holder.close();
      other.close();
    }
  });

  it('refuses a wrong key with a clear message and registers no node', async () => {
    await addHost('w2-wrong-key', '10.77.0.12', {}, 'wrong-key');
    const h = await hostInPhase('w2-wrong-key', 'Failed');
    expect(h.status?.message).toBe('authentication failed for root@10.77.0.12:22: the server accepted none of the offered keys (check the user and the private key)');
    expect(h.status?.steps?.[0]).toMatchObject({ name: 'connect', state: 'failed' });
    expect(await nodeExists('lab-w2')).toBe(false);
    expect(existsSync(join(agentPaths('lab-w2').dataDir, 'stub-started.json'))).toBe(false);
    await until('a Warning event', async () => {
      const evs = (await client.list<KubeEvent>('events', { namespace: 'default' })).items;
      return evs.find((e) => e.involvedObject.name === 'w2-wrong-key' && e.reason === 'ProvisioningFailed' && e.type === 'Warning');
    });
    await client.delete('hosts', undefined, 'w2-wrong-key');
    await until('wrong-key host removed', async () => ((await getHost('w2-wrong-key').catch(() => undefined)) ? undefined : true));
  });

  it('refuses a host whose key differs from the expected fingerprint, naming both', async () => {
    const w1Key = hostKeyFingerprint(1);
    await addHost('w2-pinned', '10.77.0.12', { hostKeyFingerprint: w1Key });
    const h = await hostInPhase('w2-pinned', 'Failed');
    expect(h.status?.message).toMatch(new RegExp(`^host key for 10\\.77\\.0\\.12 changed: expected ${w1Key.replace(/[+/]/g, '\\$&')}, got ${hostKeyFingerprint(2).replace(/[+/]/g, '\\$&')}; refusing to connect`));
    expect(await nodeExists('lab-w2')).toBe(false);
    await client.delete('hosts', undefined, 'w2-pinned');
    await until('pinned host removed', async () => ((await getHost('w2-pinned').catch(() => undefined)) ? undefined : true));
  });

  it('says which requirement a host lacks: Node.js too old, no Docker, unreachable, refused', async () => {
    await addHost('w3', '10.77.0.13');
    await addHost('w4', '10.77.0.14');
    await addHost('nobody', '10.77.0.19');
    await addHost('refused', '10.77.0.11', { port: 2222 });
    expect((await hostInPhase('w3', 'Failed')).status?.message).toBe('Node.js 20 or newer is required on 10.77.0.13: found v18.19.0');
    expect((await hostInPhase('w4', 'Failed')).status?.message).toMatch(/^Docker is not installed or not running on 10\.77\.0\.14: Cannot connect to the Docker daemon/);
    expect((await hostInPhase('nobody', 'Failed')).status?.message).toMatch(/^cannot connect to 10\.77\.0\.19:22: (host unreachable|timed out after 15 s)/);
    expect((await hostInPhase('refused', 'Failed')).status?.message).toBe('cannot connect to 10.77.0.11:2222: connection refused (is sshd running and listening on port 2222?)');
    for (const n of ['lab-w3', 'lab-w4']) expect(await nodeExists(n)).toBe(false);
    for (const name of ['w3', 'w4', 'nobody', 'refused']) await client.delete('hosts', undefined, name);
    await until('failed hosts removed', async () => ((await client.list('hosts')).items.length === 1 ? true : undefined));
  });

  it('undoes a first provisioning that fails after the agent started (no node left), then succeeds on retry; with the ssh-agent', async () => {
    api.notReady.add('lab-w2');
    await client.create('hosts', { apiVersion: 'skiff.dev/v1alpha1', kind: 'Host', metadata: { name: 'w2' }, spec: { address: '10.77.0.12', user: 'root', useAgent: true } });
    const failed = await hostInPhase('w2', 'Failed');
    expect(failed.status?.message).toMatch(/^node lab-w2 did not become Ready within 30 s \(Ready=False \(held NotReady by the test\)/);
    expect(failed.status?.steps?.find((s) => s.name === 'agent')?.state).toBe('done');
    expect(failed.status?.steps?.find((s) => s.name === 'node')?.state).toBe('failed');
    expect(await nodeExists('lab-w2')).toBe(false);
    expect((await run('sh', ['-c', runningPidScript(agentPaths('lab-w2'))])).stdout.trim()).toBe('');
    api.notReady.delete('lab-w2');
    const ready = await hostInPhase('w2', 'Ready');
    expect(ready.status?.steps?.find((s) => s.name === 'connect')?.message).toBe('connected to root@10.77.0.12:22');
    expect(await nodeExists('lab-w2')).toBe(true);
  });

  it('refuses to reconnect when a provisioned host comes back with a new host key', async () => {
    const ready = await hostInPhase('w2', 'Ready');
    const oldKey = ready.status?.pinnedHostKey as string;
    await lab.stopHost('lab-w2');
    rmSync(join(LAB_DIR, 'w2', 'ssh_host_ed25519_key'));
    rmSync(join(LAB_DIR, 'w2', 'ssh_host_ed25519_key.pub'));
    await lab.startHost('lab-w2');
    const newKey = hostKeyFingerprint(2);
    expect(newKey).not.toBe(oldKey);
    const failed = await hostInPhase('w2', 'Failed');
    expect(failed.status?.message).toContain(`host key for 10.77.0.12 changed: expected ${oldKey}, got ${newKey}; refusing to connect`);
    expect(failed.status?.pinnedHostKey).toBe(oldKey);
    // Accepting the new key is the user's explicit act: set spec.hostKeyFingerprint.
    await client.patch('hosts', undefined, 'w2', 'merge', { spec: { hostKeyFingerprint: newKey } });
    const back = await hostInPhase('w2', 'Ready');
    expect(back.status?.pinnedHostKey).toBe(newKey);
  });

  it('removes a host: stops its agent, removes only its managed containers, deletes its node, pods and token', async () => {
    await lab.dockerOn('lab-w1', ['run', '-d', '--name', 'prov-test-unmanaged', 'local/busybox:1', 'sleep', '3600']);
    await client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'on-w1', namespace: 'default' }, spec: { nodeName: 'lab-w1', containers: [{ name: 'c', image: 'local/busybox:1' }] } });
    await client.delete('hosts', undefined, 'w1');
    await until('host w1 gone', async () => ((await getHost('w1').catch(() => undefined)) ? undefined : true));
    expect(existsSync(`/proc/${agentPid}/cmdline`) && readFileSync(`/proc/${agentPid}/cmdline`, 'utf8').includes('skiff-agent')).toBe(false);
    expect(existsSync(agentPaths('lab-w1').dataDir)).toBe(false);
    const names = (await lab.dockerOn('lab-w1', ['ps', '-a', '--format', '{{.Names}}'])).stdout.trim().split('\n');
    expect(names).toEqual(['prov-test-unmanaged']);
    expect(await nodeExists('lab-w1')).toBe(false);
    expect((await client.list('pods', { namespace: 'default' })).items).toEqual([]);
    await expect(client.get('secrets', 'kube-system', 'skiff-node-lab-w1')).rejects.toThrow(/not found/);
    await expect(dialers.dial('lab-w1', 10250)).rejects.toThrow(/no connection/);
    // The other host is untouched.
    expect((await getHost('w2')).status?.phase).toBe('Ready');
  });

  it('after a sleep, checks every connection at once and reconnects a dead one without waiting for keepalives', async () => {
    // Keepalives that would take minutes to notice; a clock whose timers the test can hold, as a
    // frozen or sleeping process holds them.
    await controller.dispose();
    let frozen = false;
    const clock: Clock = { ...systemClock, setInterval: (fn, ms) => systemClock.setInterval(() => frozen || fn(), ms) };
    startController({ clock, timing: { keepaliveIntervalMs: 120_000, keepaliveCountMax: 3, wakeAfterMs: 3_000 } });
    // The Host still says Connected and Ready from the last controller: only a node dialer that
    // answers (registered by this controller's run, which wrote its own phase first) tells that
    // this controller holds a live connection for the wake-up to check.
    await until('w2 connected by the new controller', async () => {
      if ((await readStream(await dialers.dial('lab-w2', 10250))) !== 'kubelet lab-w2\n') return undefined;
      return (await getHost('w2')).status?.phase === 'Ready' ? true : undefined;
    });
    await lab.partition('lab-w2');
    try {
      // The pause itself: no timer fires for longer than wakeAfterMs.
      frozen = true;
      await new Promise((r) => setTimeout(r, 4_000));
      frozen = false;
      await until('Connected=False after the wake-up', async () => ((await getHost('w2')).status?.conditions?.find((c) => c.type === 'Connected')?.status === 'False' ? true : undefined), 60_000);
    } finally {
      await lab.heal('lab-w2');
    }
    await hostInPhase('w2', 'Ready');
  });

  it('a partition in the middle of a reconnect ends the stuck step at its timeout, and the host reconnects once healed', async () => {
    // A reconnect that has to start the agent again, and keepalives that would take minutes to
    // notice the partition: the step's own time must end the wait.
    await controller.dispose();
    const before = await lab.killAgent('lab-w2');
    expect(before).toBeGreaterThan(0);
    const timing = { keepaliveIntervalMs: 120_000, keepaliveCountMax: 3, agentStartCheckMs: 5_000, stepTimeoutMs: 10_000 };
    startController({ timing });
    // The agent step started the agent and now waits agentStartCheckMs before asking for its pid:
    // the partition lands there, so the question goes out on a connection that no longer answers.
    const pidFile = agentPaths('lab-w2').pid;
    const started = await until('the reconnect restarted the agent', () => {
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8')) : 0;
      return pid > 0 && pid !== before && existsSync(`/proc/${pid}`) ? pid : undefined;
    });
    await lab.partition('lab-w2');
    const limit = (timing.stepTimeoutMs + timing.agentStartCheckMs) / 1000;
    try {
      const failed = await hostInPhase('w2', 'Failed', 60_000);
      const msg = `step agent timed out after ${limit} s: 10.77.0.12 stopped answering over SSH`;
      expect(failed.status?.message).toBe(msg);
      expect(failed.status?.steps?.find((s) => s.name === 'agent')).toMatchObject({ state: 'failed', message: msg });
      expect(failed.status?.conditions?.find((c) => c.type === 'Connected')).toMatchObject({ status: 'False', reason: 'StepTimedOut' });
    } finally {
      await lab.heal('lab-w2');
    }
    const back = await hostInPhase('w2', 'Ready');
    // The agent the cut-off run started carries on; the retry finds it (and ends the stale session holding the tunnel port if it must).
    expect(back.status?.steps?.find((s) => s.name === 'agent')?.message).toBe(`already running (pid ${started}); left alone`);
    expect(await readStream(await dialers.dial('lab-w2', 10250))).toBe('kubelet lab-w2\n');
  });
});
