import { BRIDGE, BRIDGE_CIDR, ROUTED_GATEWAY_CIDR } from './paths.js';
import type { HostNames } from './paths.js';
import { run } from './run.js';

const FORWARD_RULE = ['FORWARD', '-i', BRIDGE, '-o', BRIDGE, '-j', 'ACCEPT'];

async function linkExists(name: string): Promise<boolean> {
  return (await run('ip', ['link', 'show', name], { allowFail: true })).code === 0;
}

export async function netnsExists(netns: string): Promise<boolean> {
  const r = await run('ip', ['netns', 'list'], { allowFail: true });
  return r.stdout.split('\n').some((l) => l.split(' ')[0] === netns);
}

/** Lab netns names present on the machine (`w1`..`w9`), e.g. left by a crashed run. */
export async function labNetnsPresent(): Promise<number[]> {
  const r = await run('ip', ['netns', 'list'], { allowFail: true });
  const out: number[] = [];
  for (const l of r.stdout.split('\n')) {
    const m = /^w([1-9])(\s|$)/.exec(l);
    if (m) out.push(Number(m[1]));
  }
  return out;
}

/** The bridge every host hangs off, and the FORWARD rule the machine's own dockerd makes necessary. */
export async function bridgeUp(): Promise<void> {
  if (!(await linkExists(BRIDGE))) await run('ip', ['link', 'add', BRIDGE, 'type', 'bridge']);
  await run('ip', ['addr', 'replace', BRIDGE_CIDR, 'dev', BRIDGE]);
  // The second network's gateway: this machine routes between the two (forwarding is on, as the
  // machine's dockerd needs it too).
  await run('ip', ['addr', 'replace', ROUTED_GATEWAY_CIDR, 'dev', BRIDGE]);
  await run('sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  await run('ip', ['link', 'set', BRIDGE, 'up']);
  // With br_netfilter loaded (the machine's dockerd loads it) bridged frames cross FORWARD, whose
  // policy that dockerd set to DROP.
  if ((await run('iptables', ['-C', ...FORWARD_RULE], { allowFail: true })).code !== 0) {
    await run('iptables', ['-I', ...FORWARD_RULE]);
  }
}

export async function bridgeDown(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    if ((await run('iptables', ['-D', ...FORWARD_RULE], { allowFail: true })).code !== 0) break;
  }
  if (await linkExists(BRIDGE)) await run('ip', ['link', 'del', BRIDGE]);
}

/**
 * The host's network namespace, its veth on the bridge and its address: the wire only. Routes to
 * pods are Skiff's job (its host component on each host); the machine itself gets none.
 */
export async function hostNetUp(h: HostNames): Promise<void> {
  const ns = (...args: string[]) => run('ip', ['netns', 'exec', h.netns, ...args]);
  await run('ip', ['netns', 'add', h.netns]);
  await run('ip', ['link', 'add', h.veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.netns]);
  await run('ip', ['link', 'set', h.veth, 'master', BRIDGE, 'up']);
  await ns('ip', 'addr', 'add', `${h.ip}/24`, 'dev', 'eth0');
  await ns('ip', 'link', 'set', 'eth0', 'up');
  await ns('ip', 'link', 'set', 'lo', 'up');
  await ns('ip', 'route', 'replace', 'default', 'via', h.gateway);
  // Before dockerd starts: an engine that finds forwarding on leaves the FORWARD policy alone.
  await ns('sysctl', '-qw', 'net.ipv4.ip_forward=1');
}

export async function hostNetDown(h: HostNames): Promise<void> {
  if (await netnsExists(h.netns)) await run('ip', ['netns', 'del', h.netns]);
  if (await linkExists(h.veth)) await run('ip', ['link', 'del', h.veth], { allowFail: true });
}

/** Partition: the host stays up but its only link goes down. */
export async function setLink(h: HostNames, up: boolean): Promise<void> {
  await run('ip', ['link', 'set', h.veth, up ? 'up' : 'down']);
}

export async function linkUp(h: HostNames): Promise<boolean> {
  const r = await run('ip', ['-o', 'link', 'show', h.veth], { allowFail: true });
  return r.code === 0 && /[<,]UP[,>]/.test(r.stdout);
}

/** Pids of every process in the host's network namespace (its engine, sshd, sessions, agent). */
export async function netnsPids(netns: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', netns], { allowFail: true });
  return r.stdout.split('\n').map(Number).filter((p) => Number.isInteger(p) && p > 1);
}
