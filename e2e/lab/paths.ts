import { join } from 'node:path';
import { LabError } from './run.js';

/** The lab's fixed names and addresses (reference/lab.md). One lab per machine: these are global. */
export const BRIDGE = 'lab0';
export const BRIDGE_IP = '10.77.0.1';
export const BRIDGE_CIDR = '10.77.0.1/24';
export const LAB_NET = '10.77.0.0/24';
/** The comment that marks the lab's line in /root/.ssh/authorized_keys, so `down` removes exactly it. */
export const KEY_COMMENT = 'skiff-lab-key';
export const AUTHORIZED_KEYS = '/root/.ssh/authorized_keys';
/**
 * The lab's second network, on the same bridge: a host placed there (`HostOptions.routed`) shares no
 * network with the others and reaches them only through this machine, which routes between the two
 * as a router between two sites would. Its address is 10.77.1.1n.
 */
export const ROUTED_NET = '10.77.1.0/24';
export const ROUTED_GATEWAY = '10.77.1.1';
export const ROUTED_GATEWAY_CIDR = '10.77.1.1/24';
/** At most 9 hosts: host n's address is 10.77.0.1n (10.77.1.1n when routed). */
export const MAX_HOSTS = 9;

export function defaultLabDir(): string {
  return process.env.SKIFF_LAB_DIR || '/tmp/skiff-lab';
}

/** Everything named after host n (1-based). */
export interface HostNames {
  n: number;
  /** The host's hostname, which is also its Node's name: `lab-wN`. */
  name: string;
  netns: string;
  /** The root-namespace end of the host's veth pair. */
  veth: string;
  ip: string;
  /** Its default route: this machine's address on the host's network. */
  gateway: string;
  dockerSocket: string;
  dockerPid: string;
  dataRoot: string;
  execRoot: string;
  sshdPid: string;
  /** Per-host files in the lab dir: sshd config, host key, logs. */
  stateDir: string;
  /** Where the provisioner writes the agent's pid file (provision/agentFiles.ts: agentPaths). */
  agentPid: string;
}

export function hostNames(n: number, dir: string, opts: { routed?: boolean } = {}): HostNames {
  if (!Number.isInteger(n) || n < 1 || n > MAX_HOSTS) throw new LabError(`lab host index must be 1..${MAX_HOSTS}, got ${n}`);
  const name = `lab-w${n}`;
  return {
    n,
    name,
    netns: `w${n}`,
    veth: `vw${n}`,
    ip: opts.routed ? `10.77.1.1${n}` : `10.77.0.1${n}`,
    gateway: opts.routed ? ROUTED_GATEWAY : BRIDGE_IP,
    dockerSocket: `/run/docker-w${n}.sock`,
    dockerPid: `/run/docker-w${n}.pid`,
    dataRoot: `/var/lib/docker-w${n}`,
    execRoot: `/run/docker-w${n}`,
    sshdPid: `/run/sshd-w${n}.pid`,
    stateDir: join(dir, `w${n}`),
    agentPid: `/var/lib/skiff/agent/${name}/skiff-agent.pid`,
  };
}

/** Accepts `lab-w2`, `w2` or `2`. */
export function hostIndex(nameOrIndex: string | number): number {
  if (typeof nameOrIndex === 'number') return nameOrIndex;
  const m = /^(?:lab-)?w?([1-9])$/.exec(nameOrIndex);
  if (!m) throw new LabError(`not a lab host: "${nameOrIndex}" (expected lab-wN, wN or N with N in 1..${MAX_HOSTS})`);
  return Number(m[1]);
}
