import type { Pod } from '../../api/types.js';

/** A parsed resolv.conf (the parts the kubelet and the forwarder use). */
export interface ResolvConf {
  nameservers: string[];
  search: string[];
  options: string[];
}

/** The kubelet's limits (validation.MaxDNSNameservers, MaxDNSSearchPaths, MaxDNSSearchListChars). */
export const MAX_NAMESERVERS = 3;
export const MAX_SEARCH_PATHS = 32;
export const MAX_SEARCH_CHARS = 2048;

/** Parses resolv.conf text: `nameserver`, `search` (and the older `domain`), `options`; comments skipped. */
export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], search: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (!line) continue;
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    // The last `search` or `domain` line wins, as in glibc.
    else if (key === 'search' || key === 'domain') out.search = rest;
    else if (key === 'options') out.options.push(...rest);
  }
  return out;
}

/** 127.0.0.0/8 and ::1: a stub resolver on the host (systemd-resolved's 127.0.0.53, dnsmasq) that a pod cannot reach. */
export function isLoopback(ip: string): boolean {
  return ip.startsWith('127.') || ip === '::1';
}

/**
 * The host's resolver configuration as pods may use it, as k3s picks the kubelet's
 * `--resolv-conf`: `/etc/resolv.conf` unless its nameservers are all loopback stubs, then
 * systemd-resolved's upstream list (`/run/systemd/resolve/resolv.conf`) when it has others.
 * Loopback nameservers are dropped from what a pod gets either way. `read` returns undefined for a
 * file that does not exist.
 */
export function hostResolvConf(read: (path: string) => string | undefined, path = '/etc/resolv.conf'): { conf: ResolvConf; source: string } {
  const main = parseResolvConf(read(path) ?? '');
  if (main.nameservers.length && main.nameservers.every(isLoopback)) {
    const resolved = parseResolvConf(read('/run/systemd/resolve/resolv.conf') ?? '');
    const usable = resolved.nameservers.filter((n) => !isLoopback(n));
    if (usable.length) return { conf: { ...resolved, nameservers: usable, search: resolved.search.length ? resolved.search : main.search }, source: '/run/systemd/resolve/resolv.conf' };
  }
  return { conf: { ...main, nameservers: main.nameservers.filter((n) => !isLoopback(n)) }, source: path };
}

/**
 * Where the node's DNS server forwards names that are not the cluster's: the host's nameservers
 * (as `hostResolvConf` picks them). The server runs in the agent, in the host's network namespace,
 * so when the host has nothing but a loopback stub it can still use that one, unlike CoreDNS in a pod.
 */
export function upstreamServers(read: (path: string) => string | undefined, path = '/etc/resolv.conf'): string[] {
  const picked = hostResolvConf(read, path).conf.nameservers;
  if (picked.length) return picked;
  return parseResolvConf(read(path) ?? '').nameservers;
}

export interface PodDnsContext {
  /** The cluster DNS Service's address (10.96.0.10). */
  clusterDNS: string;
  domain: string;
  /** The host's resolver settings, as `hostResolvConf` gives them. */
  host: ResolvConf;
}

/**
 * The resolv.conf the kubelet writes for `pod` (pkg/kubelet/network/dns): by `dnsPolicy`,
 * - `ClusterFirst` (the default): nameserver = cluster DNS, search `<ns>.svc.<domain> svc.<domain>
 *   <domain>` then the host's search domains, `options ndots:5`; a `hostNetwork` pod gets the
 *   host's settings instead (`Default`), unless the policy is `ClusterFirstWithHostNet`;
 * - `Default`: the host's nameservers, search and options;
 * - `None`: only what `dnsConfig` says;
 * then `dnsConfig` is merged in: its nameservers and searches appended (deduplicated), its options
 * overriding by name. Limits as the kubelet's: 3 nameservers, 32 search domains of 2048 characters
 * in all (the rest dropped, with a warning to record).
 */
export function podResolvConf(pod: Pod, ctx: PodDnsContext): { text: string; warnings: string[] } {
  const warnings: string[] = [];
  const policy = typeof pod.spec.dnsPolicy === 'string' ? pod.spec.dnsPolicy : 'ClusterFirst';
  const clusterFirst = policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !pod.spec.hostNetwork);
  let conf: ResolvConf;
  if (policy === 'None') conf = { nameservers: [], search: [], options: [] };
  else if (clusterFirst) {
    const ns = pod.metadata.namespace ?? 'default';
    conf = { nameservers: [ctx.clusterDNS], search: [`${ns}.svc.${ctx.domain}`, `svc.${ctx.domain}`, ctx.domain, ...ctx.host.search], options: ['ndots:5'] };
  } else conf = { nameservers: [...ctx.host.nameservers], search: [...ctx.host.search], options: [...ctx.host.options] };

  const cfg = dnsConfig(pod.spec.dnsConfig);
  conf.nameservers = dedupe([...conf.nameservers, ...cfg.nameservers]);
  conf.search = dedupe([...conf.search, ...cfg.searches]);
  conf.options = mergeOptions(conf.options, cfg.options);

  if (conf.nameservers.length > MAX_NAMESERVERS) {
    warnings.push(`Nameserver limits were exceeded, some nameservers have been omitted, the applied nameserver line is: ${conf.nameservers.slice(0, MAX_NAMESERVERS).join(' ')}`);
    conf.nameservers = conf.nameservers.slice(0, MAX_NAMESERVERS);
  }
  const search: string[] = [];
  let chars = 0;
  for (const s of conf.search) {
    if (search.length >= MAX_SEARCH_PATHS || chars + s.length + (search.length ? 1 : 0) > MAX_SEARCH_CHARS) break;
    chars += s.length + (search.length ? 1 : 0);
    search.push(s);
  }
  if (search.length < conf.search.length) warnings.push(`Search Line limits were exceeded, some search paths have been omitted, the applied search line is: ${search.join(' ')}`);
  conf.search = search;

  const lines = conf.nameservers.map((n) => `nameserver ${n}`);
  if (conf.search.length) lines.push(`search ${conf.search.join(' ')}`);
  if (conf.options.length) lines.push(`options ${conf.options.join(' ')}`);
  return { text: `${lines.join('\n')}\n`, warnings };
}

function dnsConfig(v: unknown): { nameservers: string[]; searches: string[]; options: string[] } {
  const o = v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  const strings = (x: unknown) => (Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string' && s.length > 0) : []);
  const options = (Array.isArray(o.options) ? o.options : [])
    .map((x: unknown) => (x !== null && typeof x === 'object' ? (x as { name?: unknown; value?: unknown }) : {}))
    .filter((x) => typeof x.name === 'string' && x.name)
    .map((x) => (typeof x.value === 'string' && x.value !== '' ? `${String(x.name)}:${x.value}` : String(x.name)));
  return { nameservers: strings(o.nameservers), searches: strings(o.searches), options };
}

/** Options by name: a later one replaces an earlier one with the same name (the kubelet's mergeDNSOptions). */
function mergeOptions(base: string[], extra: string[]): string[] {
  const byName = new Map<string, string>();
  for (const o of [...base, ...extra]) byName.set(o.split(':')[0] ?? o, o);
  return [...byName.values()];
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}
