import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import type { KubeObject, Node } from '../api/types.js';
import { CLUSTER_NETWORK_CONFIGMAP } from '../api/clusterNetwork.js';
import { isNotFound } from '../api/errors.js';
import {
  agentConfig,
  agentPaths,
  checksumScript,
  parseChecksums,
  runningPidScript,
  staleTunnelScript,
  startProcessScript,
  startSystemdScript,
  stopAgentScript,
  systemdActiveScript,
  systemdUnit,
} from './agentFiles.js';
import { sleep, throwIfAborted, type ProvisionCtx, type ProvisionEnv, type Timing } from './context.js';
import type { NormalizedHostSpec } from './spec.js';
import { loadCredentials } from './credentials.js';
import { checkDocker, checkNetworkTools, checkNode, checkWireGuard, HostRequirementError, nodeNameFromHostname, parseProbes, probeScript, systemdUsable } from './detect.js';
import { nodeReadySince, planAgentAction, PROVISION_STEPS, type StepDef } from './plan.js';
import { sh } from './quote.js';
import { SshSession, type HostSession } from './ssh.js';
import type { Host } from './types.js';

/**
 * The provisioning steps, in order. Each checks whether its effect is already in place and applies
 * it only if not, so a rerun (reconnect, control-plane restart, retry after a failure) is cheap and
 * never restarts a healthy agent. `run` returns the message the UI shows beside the step; it is
 * given `timeoutMs` in all (provision.ts ends it then, and when the connection closes under it).
 */
export interface Step {
  def: StepDef;
  timeoutMs(t: Timing): number;
  run(ctx: ProvisionCtx): Promise<string>;
}

function def(name: string): StepDef {
  const d = PROVISION_STEPS.find((s) => s.name === name);
  if (!d) throw new Error(`no step ${name}`);
  return d;
}

function session(ctx: ProvisionCtx): HostSession {
  if (!ctx.session?.isOpen) throw new Error(`the SSH connection to ${ctx.spec.address} closed`);
  return ctx.session;
}

/** The key the host must present: the spec's if set (how a user accepts a reinstalled host), else the pinned one. */
export function expectedHostKey(host: Host, specFingerprint: string | undefined): string | undefined {
  return specFingerprint ?? host.status?.pinnedHostKey;
}

/** Opens an SSH session to the host with its credentials, refusing any key but the expected one. */
export async function connectHost(env: ProvisionEnv, host: Host, spec: NormalizedHostSpec): Promise<HostSession> {
  const creds = await loadCredentials(env.client, spec, env.env);
  const connect = env.sshConnect ?? ((o, clock) => SshSession.connect(o, clock));
  return connect(
    {
      address: spec.address,
      port: spec.port,
      user: spec.user,
      ...creds,
      expectedFingerprint: expectedHostKey(host, spec.hostKeyFingerprint),
      readyTimeoutMs: env.timing.connectTimeoutMs,
      keepaliveIntervalMs: env.timing.keepaliveIntervalMs,
      keepaliveCountMax: env.timing.keepaliveCountMax,
    },
    env.clock,
  );
}

const connectStep: Step = {
  def: def('connect'),
  // The handshake has its own limit (ssh2's, with a message naming the cause); this one is a backstop.
  timeoutMs: (t) => t.connectTimeoutMs + t.stepTimeoutMs,
  async run(ctx) {
    ctx.session = await connectHost(ctx.env, ctx.host, ctx.spec);
    if (ctx.signal.aborted) ctx.session.close();
    throwIfAborted(ctx);
    return `connected to ${ctx.spec.user}@${ctx.spec.address}:${ctx.spec.port}`;
  },
};

const hostKeyStep: Step = {
  def: def('hostKey'),
  timeoutMs: (t) => t.stepTimeoutMs,
  async run(ctx) {
    // The handshake already refused a key that differs from the expected one (SshSession.connect).
    const fp = session(ctx).fingerprint;
    const expected = expectedHostKey(ctx.host, ctx.spec.hostKeyFingerprint);
    if (ctx.report.status.pinnedHostKey === fp) return `${fp} matches the pinned key`;
    await ctx.report.update((s) => (s.pinnedHostKey = fp));
    return expected ? `${fp} matches spec.hostKeyFingerprint; pinned` : `${fp} trusted on first use and pinned`;
  },
};

const detectStep: Step = {
  def: def('detect'),
  timeoutMs: (t) => t.stepTimeoutMs,
  async run(ctx) {
    const addr = ctx.spec.address;
    const probed = await session(ctx).exec(probeScript());
    if (probed.code !== 0) throw new Error(`cannot inspect ${addr}: ${probed.stderr.trim() || `exit ${probed.code}`}`);
    const r = parseProbes(probed.stdout);
    const nodeName = nodeNameFromHostname(r.hostname, addr);
    const previous = ctx.report.status.nodeName;
    if (previous && previous !== nodeName) {
      throw new HostRequirementError(`the hostname of ${addr} changed from ${previous} to ${nodeName}: remove the host and add it again`);
    }
    const others = await ctx.env.client.list<Host>('hosts');
    const clash = others.items.find((h) => h.metadata.name !== ctx.name && h.status?.nodeName === nodeName && !h.metadata.deletionTimestamp);
    if (clash) throw new HostRequirementError(`${addr} is node ${nodeName}, which host ${clash.metadata.name} already provides`);
    const nodeVersion = checkNode(r.node, addr);
    const nodePath = r.nodePath.stdout.trim().split('\n')[0] ?? '';
    if (!nodePath.startsWith('/')) throw new HostRequirementError(`cannot find the path of node on ${addr}`);
    const dockerVersion = checkDocker(r.docker, addr);
    const iptables = checkNetworkTools(r.network, addr);
    const wireguard = checkWireGuard(r.network, addr, await clusterBackend(ctx.env.client));
    const systemd = systemdUsable(r.systemd);
    ctx.nodeName = nodeName;
    ctx.nodePath = nodePath;
    ctx.systemd = systemd;
    await ctx.report.update((st) => {
      st.nodeName = nodeName;
      st.nodeVersion = nodeVersion;
      st.dockerVersion = dockerVersion;
      st.agentMode = systemd ? 'systemd' : 'process';
    });
    return `node ${nodeName}: Docker ${dockerVersion}, Node.js ${nodeVersion}, ${iptables}, ${wireguard}, ${systemd ? 'systemd' : 'no systemd (detached process)'}`;
  },
};

/** The cluster's pod network backend (ConfigMap kube-system/skiff-network), or undefined when it cannot be read. */
async function clusterBackend(client: ProvisionEnv['client']): Promise<string | undefined> {
  try {
    const cm = await client.get<KubeObject & { data?: Record<string, string> }>('configmaps', CLUSTER_NETWORK_CONFIGMAP.namespace, CLUSTER_NETWORK_CONFIGMAP.name);
    return cm.data?.backend;
  } catch {
    return undefined;
  }
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

const uploadStep: Step = {
  def: def('upload'),
  timeoutMs: (t) => t.stepTimeoutMs,
  async run(ctx) {
    const s = session(ctx);
    const nodeName = ctx.nodeName as string;
    const p = agentPaths(nodeName);
    const bundle = await readFile(ctx.env.agentBundlePath).catch((e: unknown) => {
      throw new Error(`cannot read the agent bundle ${ctx.env.agentBundlePath}: ${e instanceof Error ? e.message : String(e)} (run npm run build)`);
    });
    const token = await ctx.env.issueNodeToken(nodeName);
    const config = `${JSON.stringify(agentConfig({ tunnelPort: ctx.env.tunnelPort, token, ca: ctx.env.caPem, nodeName, nodeIP: ctx.spec.address }), null, 2)}\n`;
    const sums = await s.exec(checksumScript(p));
    if (sums.code !== 0) throw new HostRequirementError(`cannot create ${p.dataDir} on ${ctx.spec.address}: ${sums.stderr.trim() || `exit ${sums.code}`}`);
    const remote = parseChecksums(sums.stdout);
    const done: string[] = [];
    if (remote.get(p.bundle) !== sha256(bundle)) {
      await s.writeFile(p.bundle, bundle, '0644');
      done.push(`agent (${(bundle.length / 1024).toFixed(0)} KiB)`);
    }
    if (remote.get(p.config) !== sha256(config)) {
      await s.writeFile(p.config, config, '0600');
      done.push('config');
    }
    if (ctx.systemd) {
      const unit = systemdUnit(p, ctx.nodePath as string, nodeName);
      const cur = await s.exec(sh`cat ${p.unitFile} 2>/dev/null`);
      if (cur.stdout !== unit) {
        await s.writeFile(p.unitFile, unit, '0644');
        done.push('systemd unit');
      }
    }
    ctx.filesChanged = done.length > 0;
    return done.length ? `uploaded ${done.join(', ')} to ${p.dataDir}` : `agent files up to date (sha256 ${sha256(bundle).slice(0, 12)})`;
  },
};

const tunnelStep: Step = {
  def: def('tunnel'),
  timeoutMs: (t) => t.stepTimeoutMs,
  async run(ctx) {
    const { apiPort, tunnelPort, log } = ctx.env;
    const s = session(ctx);
    const listen = () => s.forwardIn(tunnelPort, (stream) => {
      const api = tcpConnect({ host: '127.0.0.1', port: apiPort });
      api.on('error', (e) => {
        log.warn('tunnel: cannot reach the API server', { host: ctx.name, error: e.message });
        stream.destroy();
      });
      stream.on('error', () => api.destroy());
      stream.pipe(api).pipe(stream);
    });
    let note = '';
    try {
      await listen();
    } catch (e) {
      // Most often our own previous session, cut off by a partition, still holds the port.
      const ended = (await s.exec(staleTunnelScript(tunnelPort))).stdout.trim().split('\n').filter(Boolean);
      if (!ended.length) throw e;
      await sleep(ctx.env.clock, 500, ctx.signal);
      await listen();
      note = ` (ended stale SSH session ${ended.join(', ')} that held the port)`;
    }
    ctx.tunnelAt = ctx.env.clock.now();
    return `127.0.0.1:${tunnelPort} on the host leads to the API server${note}`;
  },
};

async function agentPid(ctx: ProvisionCtx): Promise<string> {
  const p = agentPaths(ctx.nodeName as string);
  const r = await session(ctx).exec(ctx.systemd ? systemdActiveScript(p) : runningPidScript(p));
  const pid = r.stdout.trim();
  return r.code === 0 && /^[1-9]\d*$/.test(pid) ? pid : '';
}

const agentStep: Step = {
  def: def('agent'),
  timeoutMs: (t) => t.stepTimeoutMs + t.agentStartCheckMs,
  async run(ctx) {
    ctx.reachedAgent = true;
    const s = session(ctx);
    const p = agentPaths(ctx.nodeName as string);
    const running = await agentPid(ctx);
    const action = planAgentAction({ running: running !== '', filesChanged: ctx.filesChanged ?? false });
    if (action === 'keep') return `already running (pid ${running}); left alone`;
    if (ctx.systemd) {
      const r = await s.exec(startSystemdScript(p));
      if (r.code !== 0) throw new Error(`cannot start ${p.unitName} on ${ctx.spec.address}: ${r.stderr.trim() || r.stdout.trim()}`);
    } else {
      if (action === 'restart') await s.exec(stopAgentScript(p));
      const r = await s.exec(startProcessScript(p, ctx.nodePath as string));
      if (r.code !== 0) throw new Error(`cannot start the agent on ${ctx.spec.address}: ${r.stderr.trim() || `exit ${r.code}`}`);
    }
    await sleep(ctx.env.clock, ctx.env.timing.agentStartCheckMs, ctx.signal);
    const pid = await agentPid(ctx);
    if (!pid) {
      const tail = await s.exec(sh`tail -n 15 ${p.log} 2>/dev/null`);
      throw new Error(`the agent on ${ctx.spec.address} exited right after starting; ${p.log} ends with:\n${tail.stdout.trim() || '(empty)'}`);
    }
    return `${action === 'restart' ? 'restarted with new files' : 'started'} (pid ${pid}${ctx.systemd ? `, ${p.unitName}` : ''})`;
  },
};

const nodeStep: Step = {
  def: def('node'),
  // The loop reports what it saw at nodeReadyTimeoutMs; this is a backstop.
  timeoutMs: (t) => t.nodeReadyTimeoutMs + t.stepTimeoutMs,
  async run(ctx) {
    const { client, clock, timing, dialers } = ctx.env;
    const nodeName = ctx.nodeName as string;
    const s = session(ctx);
    ctx.dialer = dialers.register(nodeName, { dial: (_node, port) => s.forwardOut(port) });
    const since = ctx.tunnelAt ?? clock.now();
    const deadline = clock.now() + timing.nodeReadyTimeoutMs;
    let seen = 'not registered yet';
    for (;;) {
      throwIfAborted(ctx);
      try {
        const node = await client.get<Node>('nodes', undefined, nodeName);
        if (nodeReadySince(node.status?.conditions, since)) return `node ${nodeName} is Ready`;
        const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
        seen = ready ? `Ready=${ready.status}${ready.message ? ` (${ready.message})` : ''}, last heartbeat ${ready.lastHeartbeatTime ?? 'never'}` : 'registered, no Ready condition yet';
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      if (!s.isOpen) throw new Error(`the SSH connection to ${ctx.spec.address} closed while waiting for node ${nodeName}`);
      if (clock.now() >= deadline) {
        throw new Error(`node ${nodeName} did not become Ready within ${Math.round(timing.nodeReadyTimeoutMs / 1000)} s (${seen}); see ${agentPaths(nodeName).log} on ${ctx.spec.address}`);
      }
      await sleep(clock, timing.pollMs, ctx.signal);
    }
  },
};

export const STEPS: readonly Step[] = [connectStep, hostKeyStep, detectStep, uploadStep, tunnelStep, agentStep, nodeStep];
