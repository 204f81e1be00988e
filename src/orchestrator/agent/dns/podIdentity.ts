import type { Pod } from '../../api/types.js';

/** A pod's names, as the kubelet's GeneratePodHostNameAndDomain and its setHostnameAsFQDN handling give them. */
export interface PodNames {
  /** `spec.hostname`, or the pod's name, at most 63 characters. */
  hostname: string;
  /** `<subdomain>.<ns>.svc.<domain>` when `spec.subdomain` is set. */
  domain?: string;
  /** The kernel host name the containers see: the FQDN with `setHostnameAsFQDN`, else `hostname`. */
  kernelHostname: string;
}

/** Thrown when the pod's names cannot be applied (the kubelet fails the sandbox the same way). */
export class PodNameError extends Error {}

/** Linux's limit for a kernel host name (HOST_NAME_MAX + 1, as the kubelet checks it). */
const MAX_KERNEL_HOSTNAME = 64;

export function podNames(pod: Pod, clusterDomain: string): PodNames {
  const explicit = typeof pod.spec.hostname === 'string' && pod.spec.hostname ? pod.spec.hostname : undefined;
  const hostname = explicit ?? truncate(pod.metadata.name ?? '');
  const sub = typeof pod.spec.subdomain === 'string' && pod.spec.subdomain ? pod.spec.subdomain : undefined;
  const domain = sub ? `${sub}.${pod.metadata.namespace ?? 'default'}.svc.${clusterDomain}` : undefined;
  let kernelHostname = hostname;
  if (pod.spec.setHostnameAsFQDN === true && domain) {
    kernelHostname = `${hostname}.${domain}`;
    if (kernelHostname.length > MAX_KERNEL_HOSTNAME) throw new PodNameError(`failed to construct FQDN from pod hostname and cluster domain, FQDN ${kernelHostname} is too long (${MAX_KERNEL_HOSTNAME} characters is the max, ${kernelHostname.length} characters requested)`);
  }
  return { hostname, kernelHostname, ...(domain ? { domain } : {}) };
}

/** The pod name as a host name: 63 characters, no trailing `-` or `.` (the kubelet's truncatePodHostnameIfNeeded). */
function truncate(name: string): string {
  if (name.length <= 63) return name;
  return name.slice(0, 63).replace(/[-.]+$/, '');
}

/**
 * `/etc/hosts` as the kubelet writes it (managedHostsFileContent): for a pod on the pod network,
 * localhost lines and the pod's own address with its FQDN and host name; for a `hostNetwork` pod,
 * the host's own file. Then `hostAliases`, each `ip<TAB>names...`.
 */
export function podHostsFile(pod: Pod, names: PodNames, podIP: string | undefined, hostHosts: string | undefined): string {
  let out: string;
  if (pod.spec.hostNetwork) out = hostHosts ?? '';
  else {
    out = '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';
    if (podIP) out += names.domain ? `${podIP}\t${names.hostname}.${names.domain}\t${names.hostname}\n` : `${podIP}\t${names.hostname}\n`;
  }
  const aliases = Array.isArray(pod.spec.hostAliases) ? pod.spec.hostAliases : [];
  const lines: string[] = [];
  for (const a of aliases) {
    if (a === null || typeof a !== 'object') continue;
    const { ip, hostnames } = a as { ip?: unknown; hostnames?: unknown };
    const hs = Array.isArray(hostnames) ? hostnames.filter((h): h is string => typeof h === 'string' && h.length > 0) : [];
    if (typeof ip === 'string' && ip && hs.length) lines.push(`${ip}\t${hs.join('\t')}`);
  }
  if (lines.length) out += `${out && !out.endsWith('\n') ? '\n' : ''}\n# Entries added by HostAliases.\n${lines.join('\n')}\n`;
  return out;
}
