import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeEvent, Node } from '../api/types.js';
import { NodeDialers } from '../client/nodeDialer.js';
import { memoryCluster } from '../testing/memoryCluster.js';
import { isoTime } from '../util/clock.js';
import { silentLogger } from '../util/logger.js';
import { agentPaths, runningPidScript } from './agentFiles.js';
import { DEFAULT_TIMING, type Timing } from './context.js';
import { probeScript } from './detect.js';
import { startHostController } from './hostController.js';
import { FakeSshHosts, type FakeRequest, type FakeSession } from './testing/fakeSsh.js';
import type { Host } from './types.js';

/*
 * The host controller on a fake clock, with SSH played by testing/fakeSsh.ts: what happens to a
 * (re)connect run when the host stops answering mid-step, or the connection drops under a step.
 * (The same against real sshd on lab hosts: hostController.int.test.ts.)
 */

const ADDRESS = '10.0.0.1';
const NODE = 'fake-w1';
const PATHS = agentPaths(NODE);
// No wait on the fake clock but the ones under test: the agent counts as started at once.
const TIMING: Timing = { ...DEFAULT_TIMING, stepTimeoutMs: 20_000, keepaliveIntervalMs: 120_000, agentStartCheckMs: 0, retryBaseMs: 2_000, retryMaxMs: 8_000 };

const b64 = (s: string) => Buffer.from(s).toString('base64');
/** What probeScript prints on a host with Node.js 20, Docker, iptables and no systemd. */
const PROBES_OUTPUT = Object.entries({
  hostname: [0, NODE],
  node: [0, 'v20.11.1'],
  nodePath: [0, '/usr/bin/node'],
  docker: [0, '27.0.3'],
  systemd: [1, 'offline'],
  network: [0, 'iptables v1.8.9 (nf_tables)'],
} as const)
  .map(([name, [code, out]]) => `@@${name} ${code}\n${b64(out)}\n\n`)
  .join('');

/** Where each step first waits on the host (the agent is already running there, so the agent step only asks for its pid). */
const FIRST_REQUEST_OF: Record<string, (r: FakeRequest) => boolean> = {
  detect: (r) => r.kind === 'exec' && r.command === probeScript(),
  upload: (r) => r.kind === 'writeFile',
  tunnel: (r) => r.kind === 'forwardIn',
  agent: (r) => r.kind === 'exec' && r.command === runningPidScript(PATHS),
};

describe('host controller: a (re)connect run whose host stops answering', () => {
  let cluster: Awaited<ReturnType<typeof memoryCluster>>;
  let bundleDir: string;
  let controller: { dispose(): Promise<void> } | undefined;

  beforeEach(async () => {
    cluster = await memoryCluster();
    bundleDir = mkdtempSync(join(tmpdir(), 'skiff-host-controller-test-'));
    writeFileSync(join(bundleDir, 'skiff-agent.js'), '// agent\n');
  });

  afterEach(async () => {
    await controller?.dispose();
    controller = undefined;
    cluster.dispose();
    rmSync(bundleDir, { recursive: true, force: true });
  });

  /**
   * A host that answers like a healthy one, except that `hangsOn` (in the first session only) is
   * never answered. The agent's hello through a new tunnel is played by a Node heartbeat.
   */
  function start(hangsOn: (r: FakeRequest) => boolean): FakeSshHosts {
    const { client, clock } = cluster;
    const hosts = new FakeSshHosts((req, session) => {
      if (session === hosts.sessions[0] && hangsOn(req)) return 'hang';
      if (req.kind === 'exec' && req.command === probeScript()) return { code: 0, stdout: PROBES_OUTPUT, stderr: '' };
      if (req.kind === 'exec' && req.command === runningPidScript(PATHS)) return { code: 0, stdout: '4242\n', stderr: '' };
      if (req.kind === 'forwardIn') return heartbeat().then(() => undefined);
      return undefined;
    });
    const heartbeat = async () => {
      const now = isoTime(clock.now());
      const status = { conditions: [{ type: 'Ready', status: 'True' as const, reason: 'KubeletReady', lastHeartbeatTime: now, lastTransitionTime: now }] };
      const node = await client.get<Node>('nodes', undefined, NODE).catch(() => undefined);
      if (node) await client.updateStatus<Node>('nodes', { ...node, status });
      else await client.create<Node>('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE }, status });
    };
    controller = startHostController({
      client,
      clock,
      log: silentLogger,
      dialers: new NodeDialers(),
      agentBundlePath: join(bundleDir, 'skiff-agent.js'),
      apiPort: 6443,
      caPem: 'ca',
      issueNodeToken: async () => 'token',
      env: { SSH_AUTH_SOCK: '/run/fake-agent.sock' },
      timing: TIMING,
      sshConnect: hosts.connect,
    });
    return hosts;
  }

  /** A host provisioned by an earlier run of the app: the controller's first run for it is a reconnect. */
  async function addProvisionedHost(): Promise<void> {
    const { client, clock } = cluster;
    const h = await client.create<Host>('hosts', { apiVersion: 'skiff.dev/v1alpha1', kind: 'Host', metadata: { name: 'w1' }, spec: { address: ADDRESS, user: 'root', useAgent: true } });
    const now = isoTime(clock.now());
    const cond = (type: string) => ({ type, status: 'True' as const, reason: 'Earlier', message: 'before the restart', lastTransitionTime: now });
    await client.updateStatus<Host>('hosts', {
      ...h,
      status: { phase: 'Ready', message: `node ${NODE} is Ready`, nodeName: NODE, pinnedHostKey: 'SHA256:fake-host-key', conditions: ['Connected', 'Ready', 'Provisioned'].map(cond) },
    });
  }
  const host = () => cluster.client.get<Host>('hosts', undefined, 'w1');
  const stepOf = async (name: string) => (await host()).status?.steps?.find((s) => s.name === name);
  const condition = async (type: string) => (await host()).status?.conditions?.find((c) => c.type === type);

  /**
   * Lets the controller work until `what` holds, without moving the fake clock (timers already due
   * fire). Real I/O (the agent bundle is read from disk) takes its time on a loaded machine: the
   * real-time bound only ends a stuck test.
   */
  async function until(what: string, cond: () => Promise<boolean> | boolean): Promise<void> {
    const end = Date.now() + 15_000;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`never happened: ${what}; the Host's status: ${JSON.stringify((await host()).status)}`);
      await cluster.clock.advance(0);
    }
  }

  it.each(Object.keys(FIRST_REQUEST_OF))('a request in step %s that is never answered ends the run at the step timeout, and the retry gets the host Ready', async (step) => {
    const { clock } = cluster;
    await addProvisionedHost();
    const hosts = start(FIRST_REQUEST_OF[step] as (r: FakeRequest) => boolean);
    await until(`step ${step} waits on the host`, () => hosts.hanging().length === 1);
    expect((await stepOf(step))?.state).toBe('running');
    const first = hosts.sessions[0] as FakeSession;
    const limitMs = step === 'agent' ? TIMING.stepTimeoutMs + TIMING.agentStartCheckMs : TIMING.stepTimeoutMs;

    // Keepalives (2 minutes here) would notice in minutes; the step's own time ends it.
    await clock.advance(limitMs - 1);
    expect((await stepOf(step))?.state).toBe('running');
    expect(first.isOpen).toBe(true);
    await clock.advance(1);
    const msg = `step ${step} timed out after ${Math.round(limitMs / 1000)} s: ${ADDRESS} stopped answering over SSH`;
    await until('the run failed', async () => (await host()).status?.phase === 'Failed');
    const failed = await host();
    expect(failed.status?.message).toBe(msg);
    expect(await stepOf(step)).toMatchObject({ state: 'failed', message: msg });
    expect(await condition('Connected')).toMatchObject({ status: 'False', reason: 'StepTimedOut', message: msg });
    // Dropped, not ended politely: a silent host would hold a goodbye as long as the step.
    expect(first.endedBy).toBe('destroy');
    await until('a Warning event', async () => (await cluster.client.list<KubeEvent>('events', { namespace: 'default' })).items.some((e) => e.reason === 'ProvisioningFailed' && e.message === msg));

    // The controller's back-off takes over: a new connection after retryBaseMs, and this one answers.
    expect(hosts.sessions).toHaveLength(1);
    await clock.advance(TIMING.retryBaseMs);
    await until('a second connection', () => hosts.sessions.length === 2);
    await until('the host is Ready', async () => (await host()).status?.phase === 'Ready');
    expect(await condition('Connected')).toMatchObject({ status: 'True' });
    expect(await stepOf('agent')).toMatchObject({ state: 'done', message: expect.stringMatching(/pid 4242/) });
    expect(hosts.hanging()).toHaveLength(1);
  });

  it('a step ends as soon as the SSH connection under it closes, and the host is retried', async () => {
    const { clock } = cluster;
    await addProvisionedHost();
    const hosts = start(FIRST_REQUEST_OF.detect as (r: FakeRequest) => boolean);
    await until('detect waits on the host', () => hosts.hanging().length === 1);
    (hosts.sessions[0] as FakeSession).drop(new Error('read ECONNRESET'));
    const msg = `step detect stopped: the SSH connection to ${ADDRESS} closed (read ECONNRESET)`;
    // No time passes: the closed connection ends the step, not its timeout.
    await until('the run failed', async () => (await host()).status?.phase === 'Failed');
    expect((await host()).status?.message).toBe(msg);
    expect(await stepOf('detect')).toMatchObject({ state: 'failed', message: msg });
    expect(await condition('Connected')).toMatchObject({ status: 'False', reason: 'ConnectionLost' });
    await clock.advance(TIMING.retryBaseMs);
    await until('a second connection', () => hosts.sessions.length === 2);
    await until('the host is Ready', async () => (await host()).status?.phase === 'Ready');
  });

  it('stopping the controller does not wait on a step the host never answers', async () => {
    await addProvisionedHost();
    const hosts = start(FIRST_REQUEST_OF.tunnel as (r: FakeRequest) => boolean);
    await until('tunnel waits on the host', () => hosts.hanging().length === 1);
    const c = controller as { dispose(): Promise<void> };
    controller = undefined;
    let stopped = false;
    void c.dispose().then(() => (stopped = true));
    await until('dispose resolved', () => stopped);
    expect(hosts.sessions[0]?.isOpen).toBe(false);
  });
});
