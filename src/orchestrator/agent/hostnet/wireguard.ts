import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runOk, type CommandRunner } from './exec.js';
import { wireguardDevice } from './names.js';
import type { WireGuardPlan } from './routePlan.js';
import type { WireGuardState } from './types.js';
import { wireGuardPublicKey } from './wgKeys.js';

/**
 * Carries out the WireGuard part of a route plan with `ip` and `wg` (wireguard-tools): the node's
 * device, its key and port, and its peers. Like wg-quick, the device is the kernel's
 * (`ip link add … type wireguard`) where the kernel has the module, and otherwise a tun device
 * served by `wireguard-go` (which daemonizes, and exits when its device is deleted). Every
 * command is an argument vector of validated values; the private key reaches `wg` only through a
 * 0600 file in a fresh 0700 directory in memory (`/run`), removed as soon as `wg` has read it
 * (`wg` cannot read `/dev/stdin` when standard input is a socket, as Node's pipes are).
 */

/** Runs `fn` with the key in a file only root can read, removed afterwards. */
async function withKeyFile<T>(privateKey: string, fn: (path: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(existsSync('/run') ? '/run' : tmpdir(), 'skiff-wg-'));
  try {
    const path = join(dir, 'private.key');
    writeFileSync(path, `${privateKey}\n`, { mode: 0o600 });
    return await fn(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Link {
  kind?: string;
  mtu?: number;
  up: boolean;
}

async function readLink(run: CommandRunner, device: string): Promise<Link | undefined> {
  const r = await run.run('ip', ['-d', '-j', 'link', 'show', 'dev', device]);
  if (r.code !== 0) return undefined;
  let raw: Record<string, unknown> | undefined;
  try {
    raw = (JSON.parse(r.stdout) as Record<string, unknown>[])[0];
  } catch {
    return undefined;
  }
  if (!raw) return undefined;
  const kind = (raw.linkinfo as Record<string, unknown> | undefined)?.info_kind;
  return { ...(typeof kind === 'string' ? { kind } : {}), ...(typeof raw.mtu === 'number' ? { mtu: raw.mtu } : {}), up: Array.isArray(raw.flags) && raw.flags.includes('UP') };
}

function implementationOf(kind: string | undefined): WireGuardState['implementation'] | undefined {
  return kind === 'wireguard' ? 'kernel' : kind === 'tun' ? 'wireguard-go' : undefined;
}

/** Creates the device: the kernel's, else wireguard-go's (as wg-quick's `add_if`). */
async function createDevice(run: CommandRunner, device: string): Promise<void> {
  const kernel = await run.run('ip', ['link', 'add', 'dev', device, 'type', 'wireguard']);
  if (kernel.code === 0) return;
  const userspace = await run.run('wireguard-go', [device]);
  if (userspace.code === 0) return;
  // wireguard-go opens with a boxed banner on stderr: its message is in the other lines.
  const why = (r: { code: number | null; stderr: string; stdout: string }) =>
    `${r.stderr}\n${r.stdout}`.split('\n').map((l) => l.trim()).filter((l) => l && !/^[│┌└]/.test(l)).slice(-2).join('; ') || `exit ${r.code ?? 'by a signal'}`;
  throw new Error(
    `cannot create the WireGuard device ${device}: the kernel has no wireguard link type (${why(kernel)}) and ${userspace.code === 127 ? 'wireguard-go is not installed (apt-get install wireguard-go)' : `wireguard-go failed (${why(userspace)})`}`,
  );
}

/** Makes the node's WireGuard device match `plan`, or removes it when `plan` is undefined; returns what it is. */
export async function ensureWireGuard(run: CommandRunner, node: string, plan: WireGuardPlan | undefined, privateKey: string | undefined): Promise<WireGuardState | undefined> {
  const device = wireguardDevice(node);
  let have = await readLink(run, device);
  if (!plan || !privateKey) {
    if (have) await runOk(run, 'ip', ['link', 'del', 'dev', device]);
    return undefined;
  }
  // A device of our name that is neither kind is not one we can configure: start again.
  if (have && !implementationOf(have.kind)) {
    await runOk(run, 'ip', ['link', 'del', 'dev', device]);
    have = undefined;
  }
  if (!have) {
    await createDevice(run, device);
    have = await readLink(run, device);
    if (!have) throw new Error(`the WireGuard device ${device} vanished right after it was made`);
  }
  const publicKey = wireGuardPublicKey(privateKey);
  const current = await run.run('wg', ['show', device, 'public-key']);
  const port = await run.run('wg', ['show', device, 'listen-port']);
  if (current.code === 127) throw new Error('wg (wireguard-tools) is not installed on the host (apt-get install wireguard-tools)');
  if (current.stdout.trim() !== publicKey || port.stdout.trim() !== String(plan.port)) {
    await withKeyFile(privateKey, (path) => runOk(run, 'wg', ['set', device, 'listen-port', String(plan.port), 'private-key', path]));
  }
  const wanted = new Set(plan.peers.map((p) => p.publicKey));
  for (const p of plan.peers) {
    await runOk(run, 'wg', ['set', device, 'peer', p.publicKey, 'endpoint', p.endpoint, 'allowed-ips', p.allowedIPs, 'persistent-keepalive', String(p.keepalive)]);
  }
  const listed = (await runOk(run, 'wg', ['show', device, 'peers'])).split('\n').map((l) => l.trim()).filter(Boolean);
  for (const key of listed) if (!wanted.has(key)) await runOk(run, 'wg', ['set', device, 'peer', key, 'remove']);
  if (plan.mtu && have.mtu !== plan.mtu) await runOk(run, 'ip', ['link', 'set', 'dev', device, 'mtu', String(plan.mtu)]);
  await runOk(run, 'ip', ['addr', 'replace', plan.address, 'dev', device]);
  if (!have.up) await runOk(run, 'ip', ['link', 'set', 'dev', device, 'up']);
  return { device, implementation: implementationOf(have.kind) ?? 'kernel', publicKey, port: plan.port };
}

/** Deletes the node's WireGuard device (its routes go with it; a wireguard-go serving it exits); true when there was one. */
export async function removeWireGuard(run: CommandRunner, node: string): Promise<boolean> {
  const device = wireguardDevice(node);
  if (!(await readLink(run, device))) return false;
  await run.run('ip', ['link', 'del', 'dev', device]);
  return true;
}
