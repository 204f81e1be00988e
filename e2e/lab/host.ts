import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { netnsPids } from './network.js';
import type { HostNames } from './paths.js';
import { isAlive, killPid, killPidFile, LabError, readPid, run, waitFor } from './run.js';

/** What a lab host offers; the defaults are a complete worker. Used to test the provisioner's errors. */
export interface HostOptions {
  /** false: no engine; /var/run/docker.sock on the host is /dev/null ("Docker not running"). */
  docker?: boolean;
  /** Replaces `node` on the host with a script printing this version (e.g. 'v18.19.0'). */
  fakeNodeVersion?: string;
  /** On the lab's second network (paths.ts: ROUTED_NET), reached from the other hosts only through this machine: a host at another site. */
  routed?: boolean;
}

const READY_TIMEOUT_MS = 60_000;

/**
 * Runs inside `nsenter --net=… unshare --mount --uts`: the host's hostname, its engine (so `docker
 * info` names the host), the engine's socket at the standard path and its sshd. /run/systemd is
 * hidden so the provisioner sees no systemd: a unit would start the agent in the machine's root
 * namespaces, not in the host's. Values arrive as positional arguments, never spliced into the text.
 */
const START_SCRIPT = `
set -eu
n="$1"; state="$2"; docker="$3"; fakenode="$4"
hostname "lab-w$n"
if [ -d /run/systemd ]; then mount -t tmpfs -o mode=0755 tmpfs /run/systemd; fi
[ -e /var/run/docker.sock ] || touch /var/run/docker.sock
if [ "$docker" = 1 ]; then
  setsid dockerd --data-root "/var/lib/docker-w$n" --exec-root "/run/docker-w$n" -H "unix:///run/docker-w$n.sock" \\
    --pidfile "/run/docker-w$n.pid" --exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "/lab-w$n" \\
    --shutdown-timeout 3 </dev/null >"$state/dockerd.log" 2>&1 &
  i=0
  while [ ! -S "/run/docker-w$n.sock" ]; do
    i=$((i+1))
    if [ $i -gt 600 ]; then echo "dockerd of lab-w$n made no socket in 60 s; see $state/dockerd.log" >&2; exit 1; fi
    sleep 0.1
  done
  mount --bind "/run/docker-w$n.sock" /var/run/docker.sock
else
  mount --bind /dev/null /var/run/docker.sock
fi
if [ -n "$fakenode" ]; then mount --bind "$fakenode" "$(command -v node)"; fi
/usr/sbin/sshd -f "$state/sshd_config" -E "$state/sshd.log"
`;

function sshdConfig(h: HostNames): string {
  return [
    `ListenAddress ${h.ip}`,
    'Port 22',
    `HostKey "${join(h.stateDir, 'ssh_host_ed25519_key')}"`,
    `PidFile ${h.sshdPid}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'AllowTcpForwarding yes',
    'AllowStreamLocalForwarding yes',
    'AuthorizedKeysFile .ssh/authorized_keys',
    'Subsystem sftp internal-sftp',
    'PrintMotd no',
    '',
  ].join('\n');
}

/** Starts the host's engine and sshd (its netns must exist) and waits until both answer. */
export async function startHost(h: HostNames, opts: HostOptions = {}): Promise<void> {
  mkdirSync(h.stateDir, { recursive: true, mode: 0o700 });
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const key = join(h.stateDir, 'ssh_host_ed25519_key');
  // Each host has its own host key, so pinning tells hosts apart as it would real machines.
  if (!existsSync(key)) await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${h.name}-host`, '-f', key]);
  writeFileSync(join(h.stateDir, 'sshd_config'), sshdConfig(h));
  let fakeNode = '';
  if (opts.fakeNodeVersion) {
    fakeNode = join(h.stateDir, 'fake-node');
    writeFileSync(fakeNode, `#!/bin/sh\necho ${JSON.stringify(opts.fakeNodeVersion)}\n`, { mode: 0o755 });
  }
  const docker = opts.docker === false ? '0' : '1';
  writeFileSync(join(h.stateDir, 'options.json'), JSON.stringify(opts));
  rmSync(h.dockerSocket, { force: true });
  await run(
    'nsenter',
    [`--net=/run/netns/${h.netns}`, 'unshare', '--mount', '--uts', '--propagation', 'private', 'sh', '-c', START_SCRIPT, 'sh', String(h.n), h.stateDir, docker, fakeNode],
    { timeoutMs: READY_TIMEOUT_MS + 10_000 },
  ).catch((e: unknown) => {
    throw new LabError(`cannot start ${h.name}: ${e instanceof Error ? e.message : String(e)}${logTail(h, 'dockerd.log')}`);
  });
  if (docker === '1') {
    await waitFor(
      async () => (await run('docker', ['-H', `unix://${h.dockerSocket}`, 'info', '--format', '{{.Name}}'], { allowFail: true, timeoutMs: 10_000 })).code === 0,
      READY_TIMEOUT_MS,
      () => `the Docker engine of ${h.name} (${h.dockerSocket}) did not answer within ${READY_TIMEOUT_MS / 1000} s${logTail(h, 'dockerd.log')}`,
      250,
    );
  }
  await waitFor(() => sshBanner(h.ip), 15_000, () => `sshd of ${h.name} did not answer on ${h.ip}:22 within 15 s${logTail(h, 'sshd.log')}`, 100);
}

function logTail(h: HostNames, file: string): string {
  try {
    const lines = readFileSync(join(h.stateDir, file), 'utf8').trim().split('\n').slice(-8).join('\n  ');
    return lines ? `\n  ${file}:\n  ${lines}` : '';
  } catch {
    return '';
  }
}

/** True when something on `ip:22` speaks SSH. */
export function sshBanner(ip: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: ip, port: 22 });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(2_000, () => done(false));
    s.once('data', (d: Buffer) => done(d.toString().startsWith('SSH-')));
    s.once('error', () => done(false));
  });
}

/**
 * Stops everything the host runs: its agent (by the provisioner's pid file), its engine (gracefully,
 * so the engine stops its containers), its sshd, then whatever is left in its network namespace
 * (SSH sessions, containerd and shims the engine started). `hard` skips the graceful part: a crash.
 */
export async function stopHost(h: HostNames, hard = false): Promise<void> {
  const grace = hard ? 0 : 10_000;
  if (hard && existsSync(h.dockerSocket)) {
    // A powered-off machine runs no containers: end them first, or they would outlive the engine.
    const ids = await run('docker', ['-H', `unix://${h.dockerSocket}`, 'ps', '-q'], { allowFail: true, timeoutMs: 10_000 });
    const list = ids.stdout.split('\n').filter(Boolean);
    if (list.length) await run('docker', ['-H', `unix://${h.dockerSocket}`, 'kill', ...list], { allowFail: true, timeoutMs: 20_000 });
  }
  await killPidFile(h.agentPid, 'skiff-agent', grace, hard ? 'SIGKILL' : 'SIGTERM');
  await killPidFile(h.dockerPid, 'dockerd', hard ? 0 : 20_000, hard ? 'SIGKILL' : 'SIGTERM');
  await killPidFile(h.sshdPid, 'sshd', grace, hard ? 'SIGKILL' : 'SIGTERM');
  for (const pid of await netnsPids(h.netns)) if (isAlive(pid)) await killPid(pid, 0, 'SIGKILL');
  rmSync(h.dockerSocket, { force: true });
}

/** The host's processes as the lab sees them. */
export function hostProcesses(h: HostNames): { dockerd?: number; sshd?: number; agent?: number } {
  const alive = (f: string) => {
    const p = readPid(f);
    return p !== undefined && isAlive(p) ? p : undefined;
  };
  return { dockerd: alive(h.dockerPid), sshd: alive(h.sshdPid), agent: alive(h.agentPid) };
}

/** Removes the (empty, once its processes are gone) cgroups the host's engine made under /lab-wN. */
export function removeCgroups(h: HostNames): void {
  const root = '/sys/fs/cgroup';
  const rmTree = (dir: string) => {
    // cgroup directories go bottom-up with rmdir; their files are not removable and need not be.
    for (const e of readdirSync(dir)) {
      const p = join(dir, e);
      if (statSync(p).isDirectory()) rmTree(p);
    }
    rmdirSync(dir);
  };
  const candidates = [join(root, h.name)];
  try {
    for (const c of readdirSync(root)) candidates.push(join(root, c, h.name));
  } catch {
    return;
  }
  for (const dir of candidates) {
    try {
      if (existsSync(dir)) rmTree(dir);
    } catch {
      /* still in use or not a cgroup mount: leave it */
    }
  }
}
