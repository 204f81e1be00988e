import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import type { Container, Pod } from '../../api/types.js';
import type { ContainerCreateSpec, ImageInfo } from '../runtime/types.js';
import { ContainerConfigError } from './downward.js';

interface Profile {
  type?: 'RuntimeDefault' | 'Unconfined' | 'Localhost';
  localhostProfile?: string;
}
interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: Profile;
  appArmorProfile?: Profile;
  seLinuxOptions?: { user?: string; role?: string; type?: string; level?: string };
  procMount?: string;
}
interface PodSecurityContext extends SecurityContext {
  fsGroup?: number;
  supplementalGroups?: number[];
  sysctls?: { name: string; value: string }[];
}

type SecurityFields = Pick<ContainerCreateSpec, 'user' | 'groupAdd' | 'capAdd' | 'capDrop' | 'privileged' | 'readonlyRootfs' | 'securityOpt' | 'sysctls' | 'pidMode' | 'ipcMode' | 'maskedPaths' | 'readonlyPaths'>;

export interface SecurityContextInput {
  /** The image's configured user (runAsNonRoot is checked against it). */
  image?: ImageInfo;
  /** The pod's sandbox (`shareProcessNamespace` joins its PID namespace). */
  sandboxId?: string;
  /** A group the container must have to read the agent's files (see volumes/types.ts `agentGroup`). */
  agentGroup?: number;
  /** Where `Localhost` seccomp profiles live (the kubelet's `/var/lib/kubelet/seccomp`). */
  seccompRoot: string;
}

/** `name_namespace(uid)`, as the kubelet formats a pod in messages. */
export function formatPod(pod: Pod): string {
  const m = pod.metadata;
  return `${m.name ?? ''}_${m.namespace ?? ''}(${m.uid ?? ''})`;
}

function podSc(pod: Pod): PodSecurityContext {
  return (pod.spec.securityContext as PodSecurityContext | undefined) ?? {};
}

/** The kubelet's `verifyRunAsNonRoot`, with its messages. */
function verifyRunAsNonRoot(pod: Pod, c: Container, runAsUser: number | undefined, nonRoot: boolean | undefined, image: ImageInfo | undefined): void {
  if (!nonRoot) return;
  if (runAsUser !== undefined) {
    if (runAsUser === 0) throw new ContainerConfigError(`container's runAsUser breaks non-root policy (pod: "${formatPod(pod)}", container: ${c.name})`);
    return;
  }
  const user = (image?.user ?? '').split(':')[0] ?? '';
  if (user === '' || user === '0' || user === 'root') {
    if (user === 'root') throw new ContainerConfigError(`container has runAsNonRoot and image has non-numeric user (root), cannot verify user is non-root (pod: "${formatPod(pod)}", container: ${c.name})`);
    throw new ContainerConfigError(`container has runAsNonRoot and image will run as root (pod: "${formatPod(pod)}", container: ${c.name})`);
  }
  if (!/^\d+$/.test(user)) throw new ContainerConfigError(`container has runAsNonRoot and image has non-numeric user (${user}), cannot verify user is non-root (pod: "${formatPod(pod)}", container: ${c.name})`);
}

async function seccompOption(p: Profile | undefined, root: string): Promise<string | undefined> {
  switch (p?.type) {
    case 'Unconfined':
      return 'seccomp=unconfined';
    case 'Localhost': {
      const rel = normalize(p.localhostProfile ?? '');
      if (!rel || rel.startsWith('..') || rel.startsWith('/')) throw new ContainerConfigError(`invalid seccomp localhostProfile ${JSON.stringify(p.localhostProfile)}`);
      const path = join(root, rel);
      try {
        return `seccomp=${(await readFile(path, 'utf8')).trim()}`;
      } catch (e) {
        throw new ContainerConfigError(`failed to load seccomp profile ${path}: ${(e as Error).message}`);
      }
    }
    default:
      // RuntimeDefault and unset: the engine's default profile.
      return undefined;
  }
}

function appArmorOption(pod: Pod, c: Container, p: Profile | undefined): string | undefined {
  const legacy = pod.metadata.annotations?.[`container.apparmor.security.beta.kubernetes.io/${c.name}`];
  if (p?.type === 'Unconfined' || legacy === 'unconfined') return 'apparmor=unconfined';
  if (p?.type === 'Localhost') return `apparmor=${p.localhostProfile ?? ''}`;
  if (legacy?.startsWith('localhost/')) return `apparmor=${legacy.slice('localhost/'.length)}`;
  return undefined;
}

/**
 * The container's and pod's `securityContext` in the engine's terms: user and group, supplementary
 * groups (`supplementalGroups`, `fsGroup`), capabilities, privileged, read-only root, no new
 * privileges, seccomp, AppArmor, SELinux labels, `procMount`, non-network sysctls, and the pod's
 * PID/IPC sharing. The container's settings win over the pod's. Throws a `ContainerConfigError`
 * when `runAsNonRoot` cannot be honoured.
 */
export async function securityFields(pod: Pod, c: Container, input: SecurityContextInput): Promise<SecurityFields> {
  const ps = podSc(pod);
  const cs = (c.securityContext as SecurityContext | undefined) ?? {};
  const runAsUser = cs.runAsUser ?? ps.runAsUser;
  const runAsGroup = cs.runAsGroup ?? ps.runAsGroup;
  verifyRunAsNonRoot(pod, c, runAsUser, cs.runAsNonRoot ?? ps.runAsNonRoot, input.image);
  const out: SecurityFields = {};
  if (runAsUser !== undefined) out.user = runAsGroup !== undefined ? `${runAsUser}:${runAsGroup}` : String(runAsUser);
  else if (runAsGroup !== undefined) out.user = `${(input.image?.user ?? '').split(':')[0] || '0'}:${runAsGroup}`;
  const groups = new Set<string>([...(ps.supplementalGroups ?? []).map(String), ...(ps.fsGroup !== undefined ? [String(ps.fsGroup)] : []), ...(input.agentGroup !== undefined ? [String(input.agentGroup)] : [])]);
  if (groups.size) out.groupAdd = [...groups];
  if (cs.capabilities?.add?.length) out.capAdd = [...cs.capabilities.add];
  if (cs.capabilities?.drop?.length) out.capDrop = [...cs.capabilities.drop];
  if (cs.privileged) out.privileged = true;
  if (cs.readOnlyRootFilesystem) out.readonlyRootfs = true;
  const opts: string[] = [];
  if (cs.allowPrivilegeEscalation === false) opts.push('no-new-privileges');
  if (!cs.privileged) {
    const seccomp = await seccompOption(cs.seccompProfile ?? ps.seccompProfile, input.seccompRoot);
    if (seccomp) opts.push(seccomp);
    const apparmor = appArmorOption(pod, c, cs.appArmorProfile ?? ps.appArmorProfile);
    if (apparmor) opts.push(apparmor);
  }
  const se = cs.seLinuxOptions ?? ps.seLinuxOptions;
  for (const k of ['user', 'role', 'type', 'level'] as const) if (se?.[k]) opts.push(`label=${k}:${se[k]}`);
  if (opts.length) out.securityOpt = opts;
  if (cs.procMount === 'Unmasked') {
    out.maskedPaths = [];
    out.readonlyPaths = [];
  }
  const sysctls = containerSysctls(pod);
  if (Object.keys(sysctls).length) out.sysctls = sysctls;
  if (pod.spec.hostPID) out.pidMode = 'host';
  else if (pod.spec.shareProcessNamespace && input.sandboxId) out.pidMode = `container:${input.sandboxId}`;
  if (pod.spec.hostIPC) out.ipcMode = 'host';
  return out;
}

/** The pod's sysctls outside `net.*` (those belong to the network namespace, i.e. the sandbox). */
export function containerSysctls(pod: Pod): Record<string, string> {
  return Object.fromEntries((podSc(pod).sysctls ?? []).filter((s) => !s.name.startsWith('net.')).map((s) => [s.name, s.value]));
}

/** The pod's `net.*` sysctls, set on the sandbox that owns the pod's network namespace. */
export function sandboxSysctls(pod: Pod): Record<string, string> {
  if (pod.spec.hostNetwork) return {};
  return Object.fromEntries((podSc(pod).sysctls ?? []).filter((s) => s.name.startsWith('net.')).map((s) => [s.name, s.value]));
}
