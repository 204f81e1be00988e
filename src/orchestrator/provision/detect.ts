/**
 * Pure interpretation of what the detect step's commands printed: node name, Node.js, Docker,
 * systemd. Each failure is a sentence a user can act on, naming the host.
 */

/** What one remote command returned. `code` is null when it ended by a signal. */
export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const MIN_NODE_MAJOR = 20;

/** Lists the network tools a host lacks (sbin directories included: a non-root PATH often misses them). */
export const NETWORK_TOOLS_SCRIPT = `PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
for t in iptables iptables-restore iptables-save ip bridge; do command -v "$t" >/dev/null 2>&1 || echo "missing $t"; done
iptables --version 2>/dev/null | head -n 1
for t in wg wireguard-go; do command -v "$t" >/dev/null 2>&1 || echo "optional $t"; done
if [ -d /sys/module/wireguard ] || modinfo wireguard >/dev/null 2>&1; then echo wireguard-module; fi
true`;

/** The detect step's commands: fixed words, run together in one SSH exec (one round trip, not five). */
export const PROBES = {
  hostname: 'hostname',
  node: 'node --version',
  nodePath: 'command -v node',
  docker: "docker version --format '{{.Server.Version}}'",
  systemd: 'systemctl is-system-running',
  network: NETWORK_TOOLS_SCRIPT,
} as const;

export type Probe = keyof typeof PROBES;

/**
 * One script that runs every probe and prints, per probe, `@@<name> <exit code>` then its stdout
 * and its stderr, each base64 on one line (so any output survives the framing).
 */
export function probeScript(): string {
  const lines = Object.entries(PROBES).map(([name, cmd]) => `p ${name} '${cmd.replace(/'/g, `'\\''`)}'`);
  return [
    't=$(mktemp) || exit 1',
    `p() { o=$( (eval "$2") 2>"$t"); c=$?; printf '@@%s %s\\n' "$1" "$c"; printf '%s' "$o" | base64 | tr -d '\\n'; printf '\\n'; base64 < "$t" | tr -d '\\n'; printf '\\n'; }`,
    ...lines,
    'rm -f "$t"',
  ].join('\n');
}

/** Each probe's result from {@link probeScript}'s output; a probe missing from it failed to run. */
export function parseProbes(out: string): Record<Probe, ExecResult> {
  const lines = out.split('\n');
  const found = new Map<string, ExecResult>();
  for (let i = 0; i < lines.length; i++) {
    const m = /^@@(\w+) (\d+)$/.exec(lines[i] ?? '');
    if (!m) continue;
    const dec = (l: string | undefined) => Buffer.from(l ?? '', 'base64').toString('utf8');
    found.set(m[1] as string, { code: Number(m[2]), stdout: dec(lines[i + 1]), stderr: dec(lines[i + 2]) });
    i += 2;
  }
  const result = {} as Record<Probe, ExecResult>;
  for (const name of Object.keys(PROBES) as Probe[]) result[name] = found.get(name) ?? { code: null, stdout: '', stderr: 'the probe did not run' };
  return result;
}

/** Raised for a host that cannot run the agent as it is: retrying will not help until it changes. */
export class HostRequirementError extends Error {
  override name = 'HostRequirementError';
}

export interface Version {
  major: number;
  minor: number;
  patch: number;
}

/** `v20.20.2` -> {20, 20, 2}; undefined when the text is not a Node.js version. */
export function parseNodeVersion(text: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(text.trim());
  return m ? { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) } : undefined;
}

function firstLine(r: ExecResult): string {
  return (r.stderr.trim() || r.stdout.trim()).split('\n')[0] ?? '';
}

/** From `node --version`: the version, or an error saying what is missing. */
export function checkNode(r: ExecResult, address: string): string {
  const need = `Node.js ${MIN_NODE_MAJOR} or newer is required on ${address}`;
  if (r.code === 127) throw new HostRequirementError(`${need}: node was not found on the SSH user's PATH`);
  if (r.code !== 0) throw new HostRequirementError(`${need}: \`node --version\` failed: ${firstLine(r) || `exit ${r.code}`}`);
  const text = r.stdout.trim();
  const v = parseNodeVersion(text);
  if (!v) throw new HostRequirementError(`${need}: cannot read the version from ${JSON.stringify(text.slice(0, 80))}`);
  if (v.major < MIN_NODE_MAJOR) throw new HostRequirementError(`${need}: found ${text}`);
  return text;
}

/** From `docker version --format '{{.Server.Version}}'`: the engine's version, or why there is none. */
export function checkDocker(r: ExecResult, address: string): string {
  const lead = `Docker is not installed or not running on ${address}`;
  if (r.code === 127) throw new HostRequirementError(`${lead}: docker was not found on the SSH user's PATH`);
  const version = r.stdout.trim();
  if (r.code !== 0 || !version) throw new HostRequirementError(`${lead}: ${firstLine(r) || `docker version exited ${r.code}`}`);
  return version;
}

/** `systemctl is-system-running` prints running/degraded/starting… where systemd is PID 1. */
export function systemdUsable(r: ExecResult): boolean {
  const state = r.stdout.trim();
  return state === 'running' || state === 'degraded';
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The node name for a host: its hostname, lowercased; it must be a valid Kubernetes object name. */
export function nodeNameFromHostname(r: ExecResult, address: string): string {
  if (r.code !== 0) throw new Error(`cannot read the hostname of ${address}: ${firstLine(r) || `exit ${r.code}`}`);
  const name = r.stdout.trim().toLowerCase();
  if (!name || name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    throw new HostRequirementError(`the hostname of ${address} (${JSON.stringify(name)}) is not a valid node name: use lower-case letters, digits, '-' and '.'`);
  }
  return name;
}

/**
 * What `networkToolsScript` prints: one `missing <tool>` line per tool the host lacks, then the
 * `iptables --version` line. The pod network's host component runs the host's own `iptables`,
 * `iptables-restore`, `iptables-save`, `ip` and `bridge` (iproute2): returns the iptables version,
 * or throws naming what to install.
 */
export function checkNetworkTools(r: ExecResult, address: string): string {
  const lines = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  const missing = lines.filter((l) => l.startsWith('missing ')).map((l) => l.slice('missing '.length));
  if (missing.length) {
    const pkgs = [...new Set(missing.map((t) => (t.startsWith('iptables') ? 'iptables' : 'iproute2')))].join(' ');
    throw new HostRequirementError(`the pod network needs ${missing.join(', ')} on ${address} (Skiff's host component runs the host's own iptables and iproute2): apt-get install ${pkgs}`);
  }
  return lines.find((l) => l.startsWith('iptables')) ?? 'iptables';
}

/**
 * What the `wireguard` pod network backend would run on this host, from the same probe: the kernel's
 * module, else `wireguard-go` (userspace, as wg-quick falls back), both driven by `wg`
 * (wireguard-tools). Returns a short phrase for the step's summary; throws naming what to install
 * when the cluster's backend is `wireguard` and the host cannot run it.
 */
export function checkWireGuard(r: ExecResult, address: string, backend: string | undefined): string {
  const lines = r.stdout.split('\n').map((l) => l.trim());
  const has = (t: string) => !lines.includes(`optional ${t}`);
  const kernel = lines.includes('wireguard-module');
  const impl = kernel ? 'the kernel module' : has('wireguard-go') ? 'wireguard-go' : undefined;
  if (has('wg') && impl) return `WireGuard by ${impl}`;
  const need = [...(has('wg') ? [] : ['wireguard-tools']), ...(impl ? [] : ['wireguard-go'])];
  if (backend === 'wireguard') {
    throw new HostRequirementError(
      `the cluster's pod network backend is wireguard, and ${address} ${impl ? 'has no wg (wireguard-tools)' : `has no WireGuard kernel module${has('wg') ? '' : ', no wg (wireguard-tools)'} and no wireguard-go`}: apt-get install ${need.join(' ')}`,
    );
  }
  return `no WireGuard (apt-get install ${need.join(' ')} for the wireguard backend, and for auto to reach hosts beyond the trusted networks)`;
}
