import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostProcesses, removeCgroups, sshBanner, startHost as startHostProcs, stopHost as stopHostProcs, type HostOptions } from './host.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../../src/orchestrator/agent/testing/images.js';
import { createKey, removeKey } from './keys.js';
import { bridgeDown, bridgeUp, hostNetDown, hostNetUp, labNetnsPresent, linkUp, netnsExists, setLink } from './network.js';
import { BRIDGE, defaultLabDir, hostIndex, hostNames, MAX_HOSTS, type HostNames } from './paths.js';
import { acquireLabLock } from './lock.js';
import { killPidFile, LabError, run, type RunResult } from './run.js';

/** The image every lab engine has (imported locally: no registry is reachable). */
export const LAB_IMAGE = BUSYBOX_IMAGE;
export type { HostOptions } from './host.js';

/** One lab host as a test sees it: reach it over SSH at `ip:sshPort` as root with the lab's key. */
export interface LabHost {
  /** Its hostname, and so its Node's name. */
  name: string;
  index: number;
  ip: string;
  netns: string;
  /** Its engine's socket as seen from the machine (on the host it is /var/run/docker.sock). */
  dockerSocket: string;
  sshPort: number;
}

export interface CreateLabOptions {
  hosts: number;
  /** State dir (keys, sshd configs, logs). Default $SKIFF_LAB_DIR or /tmp/skiff-lab. */
  dir?: string;
  /** Per host name (`lab-w2`): make the host lack something, to test the provisioner's errors. */
  hostOptions?: Record<string, HostOptions>;
  log?: (msg: string) => void;
}

/**
 * N hosts on this machine (reference/lab.md): each a network namespace on bridge lab0 with its own
 * address, hostname, Docker engine and sshd, reachable as root with `keyPath`. `dispose` tears it
 * down. One lab per machine: `createLab` waits for the machine-wide lab lock (lock.ts), then removes
 * whatever a previous (crashed) run left.
 */
export interface Lab {
  dir: string;
  hosts: LabHost[];
  /** Private key (OpenSSH ed25519, no passphrase) authorized for root on every host. */
  keyPath: string;
  user: 'root';
  dispose(): Promise<void>;
  /** Stops the host's agent, engine, sshd and sessions (`hard`: SIGKILL, containers killed first). */
  stopHost(name: string, opts?: { hard?: boolean }): Promise<void>;
  /** Starts a stopped host's engine and sshd again. */
  startHost(name: string): Promise<void>;
  /** Takes the host's only link down (it keeps running); `heal` brings it back. */
  partition(name: string): Promise<void>;
  heal(name: string): Promise<void>;
  /** Kills the host's agent by the provisioner's pid file; returns the pid, or undefined if none ran. */
  killAgent(name: string, signal?: NodeJS.Signals): Promise<number | undefined>;
  /** Runs the docker CLI against the host's engine. Throws on a non-zero exit. */
  dockerOn(name: string, args: readonly string[]): Promise<RunResult>;
}

interface LabState {
  hosts: number;
  hostOptions: Record<string, HostOptions>;
}

function stateFile(dir: string): string {
  return join(dir, 'lab.json');
}

function readState(dir: string): LabState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(dir), 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

async function checkPrerequisites(): Promise<void> {
  if (process.getuid?.() !== 0) throw new LabError('the lab needs root (network namespaces, dockerd, sshd)');
  const missing: string[] = [];
  for (const bin of ['ip', 'iptables', 'nsenter', 'unshare', 'dockerd', 'docker', 'ssh-keygen', 'tar']) {
    if ((await run('sh', ['-c', 'command -v "$1"', 'sh', bin], { allowFail: true })).code !== 0) missing.push(bin);
  }
  if (!existsSync('/usr/sbin/sshd')) missing.push('/usr/sbin/sshd');
  if (missing.length) {
    throw new LabError(`the lab needs ${missing.join(', ')}: apt-get install -y docker.io openssh-server busybox-static iproute2 iptables`);
  }
}

export async function createLab(opts: CreateLabOptions): Promise<Lab> {
  const dir = opts.dir ?? defaultLabDir();
  const log = opts.log ?? (() => {});
  if (!Number.isInteger(opts.hosts) || opts.hosts < 1 || opts.hosts > MAX_HOSTS) throw new LabError(`a lab has 1..${MAX_HOSTS} hosts, not ${opts.hosts}`);
  await checkPrerequisites();
  const release = await acquireLabLock(log);
  try {
    return await buildLab(dir, opts, log, release);
  } catch (e) {
    release();
    throw e;
  }
}

async function buildLab(dir: string, opts: CreateLabOptions, log: (msg: string) => void, release: () => void): Promise<Lab> {
  await destroyLab(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const hostOptions = opts.hostOptions ?? {};
  writeFileSync(stateFile(dir), JSON.stringify({ hosts: opts.hosts, hostOptions } satisfies LabState));
  try {
    log(`bridge ${BRIDGE}`);
    await bridgeUp();
    const keyPath = await createKey(dir);
    const names = Array.from({ length: opts.hosts }, (_, i) => labHostNames(i + 1, dir, { hosts: opts.hosts, hostOptions }));
    for (const h of names) await hostNetUp(h);
    await Promise.all(
      names.map(async (h) => {
        const ho = hostOptions[h.name] ?? {};
        log(`${h.name}: starting engine and sshd on ${h.ip}`);
        await startHostProcs(h, ho);
        if (ho.docker !== false) await ensureBusyboxImage(h.dockerSocket);
        log(`${h.name}: ready`);
      }),
    );
    return labHandle(dir, keyPath, names, release);
  } catch (e) {
    await destroyLab(dir).catch(() => {});
    throw e;
  }
}

function labHandle(dir: string, keyPath: string, names: HostNames[], release: () => void = () => {}): Lab {
  return {
    dir,
    keyPath,
    user: 'root',
    hosts: names.map((h) => ({ name: h.name, index: h.n, ip: h.ip, netns: h.netns, dockerSocket: h.dockerSocket, sshPort: 22 })),
    dispose: () => destroyLab(dir).finally(release),
    stopHost: (name, o) => stopHost(name, { dir, hard: o?.hard }),
    startHost: (name) => startHost(name, dir),
    partition: (name) => partition(name, dir),
    heal: (name) => heal(name, dir),
    killAgent: (name, signal) => killAgent(name, signal, dir),
    dockerOn: (name, args) => dockerOn(name, args, dir),
  };
}

/**
 * Removes the lab: every lab host recorded in `dir` or found on the machine (netns w1..w9, or a
 * pid file of a lab engine), their processes (by pid file, then what is left in their namespaces),
 * namespaces, links, routes, data roots and agent dirs, the bridge and its FORWARD rule, the lab key
 * in authorized_keys, and the lab's files in `dir`. Safe to call when nothing is there.
 */
export async function destroyLab(dir: string = defaultLabDir()): Promise<void> {
  const found = new Set<number>(await labNetnsPresent());
  const st = readState(dir);
  for (let n = 1; n <= (st?.hosts ?? 0); n++) found.add(n);
  for (let n = 1; n <= MAX_HOSTS; n++) if (existsSync(`/run/docker-w${n}.pid`) || existsSync(`/run/sshd-w${n}.pid`)) found.add(n);
  await Promise.all(
    [...found].map(async (n) => {
      const h = labHostNames(n, dir, st);
      // Hard: the lab is going away, so its containers need no graceful stop (that costs 10 s each).
      await stopHostProcs(h, true);
      await hostNetDown(h);
      removeCgroups(h);
      for (const p of [h.dataRoot, h.execRoot, `/var/lib/skiff/agent/${h.name}`, h.stateDir]) rmSync(p, { recursive: true, force: true });
    }),
  );
  await bridgeDown();
  removeKey(dir);
  for (const f of ['lab.json', 'busybox-rootfs.tar', 'busybox-rootfs.tar.tmp']) rmSync(join(dir, f), { recursive: true, force: true });
  if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
}

/** Host n's names, on the network its options (recorded in the lab's state) put it. */
function labHostNames(n: number, dir: string, st: LabState | undefined = readState(dir)): HostNames {
  return hostNames(n, dir, { routed: st?.hostOptions[`lab-w${n}`]?.routed === true });
}

function known(name: string, dir: string): HostNames {
  const st = readState(dir);
  const h = labHostNames(hostIndex(name), dir, st);
  if (!st || h.n > st.hosts) throw new LabError(`${h.name} is not part of the lab in ${dir}`);
  return h;
}

export async function stopHost(name: string, opts: { dir?: string; hard?: boolean } = {}): Promise<void> {
  await stopHostProcs(known(name, opts.dir ?? defaultLabDir()), opts.hard ?? false);
}

export async function startHost(name: string, dir: string = defaultLabDir()): Promise<void> {
  const h = known(name, dir);
  const ho = readState(dir)?.hostOptions[h.name] ?? {};
  if (hostProcesses(h).sshd !== undefined) throw new LabError(`${h.name} is running; stop it first`);
  await startHostProcs(h, ho);
}

export async function partition(name: string, dir: string = defaultLabDir()): Promise<void> {
  await setLink(known(name, dir), false);
}

export async function heal(name: string, dir: string = defaultLabDir()): Promise<void> {
  await setLink(known(name, dir), true);
}

export async function killAgent(name: string, signal: NodeJS.Signals = 'SIGKILL', dir: string = defaultLabDir()): Promise<number | undefined> {
  return killPidFile(known(name, dir).agentPid, 'skiff-agent', 5_000, signal);
}

export async function dockerOn(name: string, args: readonly string[], dir: string = defaultLabDir()): Promise<RunResult> {
  return run('docker', ['-H', `unix://${known(name, dir).dockerSocket}`, ...args]);
}

export interface HostStatus {
  name: string;
  ip: string;
  netns: boolean;
  link: boolean;
  ssh: boolean;
  dockerd?: number;
  sshd?: number;
  agent?: number;
}

export async function labStatus(dir: string = defaultLabDir()): Promise<{ dir: string; hosts: HostStatus[] } | undefined> {
  const st = readState(dir);
  if (!st) return undefined;
  const hosts: HostStatus[] = [];
  for (let n = 1; n <= st.hosts; n++) {
    const h = labHostNames(n, dir, st);
    hosts.push({ name: h.name, ip: h.ip, netns: await netnsExists(h.netns), link: await linkUp(h), ssh: await sshBanner(h.ip), ...hostProcesses(h) });
  }
  return { dir, hosts };
}

/** The handle of a lab created earlier (by the CLI, say), or undefined when there is none. */
export function openLab(dir: string = defaultLabDir()): Lab | undefined {
  const st = readState(dir);
  if (!st) return undefined;
  const names = Array.from({ length: st.hosts }, (_, i) => labHostNames(i + 1, dir, st));
  return labHandle(dir, join(dir, 'id_ed25519'), names);
}
