import { readFileSync } from 'node:fs';
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from '../../api/types.js';
import { podHostsFile, podNames } from './podIdentity.js';
import { hostResolvConf, podResolvConf } from './resolvConf.js';

/** The cluster facts a pod's resolver files need; undefined until the node has read its network settings. */
export interface PodDnsSettings {
  clusterDNS: string;
  domain: string;
}

/** A pod's `/etc/resolv.conf` and `/etc/hosts` on the host, to bind into its containers. */
export interface PodDnsMounts {
  mounts: { type: 'bind'; source: string; target: string; readOnly?: boolean }[];
  /** Limits the kubelet enforced (nameservers, search paths), for a `DNSConfigForming` event. */
  warnings: string[];
}

/**
 * Writes each pod's resolver files as the kubelet does (its `resolv.conf` by `dnsPolicy` and
 * `dnsConfig`, its `/etc/hosts` with its own names and `hostAliases`) into the pod's data
 * directory, and says where to mount them. Written again for every container run (cheap; a
 * changed pod IP or Service range is picked up), each by a rename so a reader never sees half a file.
 */
export class PodDnsFiles {
  constructor(
    private readonly settings: () => PodDnsSettings | undefined,
    private readonly read: (path: string) => string | undefined = readText,
  ) {}

  async write(pod: Pod, podIP: string | undefined, podDataDir: string): Promise<PodDnsMounts | undefined> {
    const s = this.settings();
    if (!s) return undefined;
    const host = hostResolvConf(this.read).conf;
    const resolv = podResolvConf(pod, { clusterDNS: s.clusterDNS, domain: s.domain, host });
    const hosts = podHostsFile(pod, podNames(pod, s.domain), podIP, pod.spec.hostNetwork ? this.read('/etc/hosts') : undefined);
    const dir = join(podDataDir, 'etc');
    await mkdir(dir, { recursive: true, mode: 0o755 });
    const resolvPath = await atomicWrite(join(dir, 'resolv.conf'), resolv.text);
    const hostsPath = await atomicWrite(join(dir, 'hosts'), hosts);
    return {
      mounts: [
        { type: 'bind', source: resolvPath, target: '/etc/resolv.conf' },
        { type: 'bind', source: hostsPath, target: '/etc/hosts' },
      ],
      warnings: resolv.warnings,
    };
  }
}

async function atomicWrite(path: string, text: string): Promise<string> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, text, { mode: 0o644 });
  await chmod(tmp, 0o644);
  await rename(tmp, path);
  return path;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
