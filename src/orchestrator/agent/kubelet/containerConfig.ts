import { parseCpu, parseMemory } from '../../api/quantity.js';
import type { Container, Pod } from '../../api/types.js';
import type { PodDnsFiles } from '../dns/podFiles.js';
import type { ContainerCreateSpec, Runtime } from '../runtime/types.js';
import type { PodContext } from './downward.js';
import { containerEnv, expandCommand, type ObjectSource } from './env.js';
import { securityFields } from './security.js';
import { prepareTerminationLog } from './terminationMessage.js';
import type { Recorder } from './types.js';
import { containerMounts } from './volumes/mounts.js';
import type { PodVolumes } from './volumes/types.js';
import type { VolumeManager } from './volumes/volumeManager.js';

export interface ContainerConfigDeps {
  runtime: Runtime;
  objects: ObjectSource;
  volumes: VolumeManager;
  recorder: Recorder;
  /** Where `Localhost` seccomp profiles are read from. */
  seccompRoot: string;
  /**
   * The Service variables of the pod (`net/serviceEnv.ts`: `NAME=value` lines; it applies
   * `enableServiceLinks` and always adds `KUBERNETES_SERVICE_*`), read when a container is created.
   */
  serviceEnv?: (pod: Pod) => readonly string[];
  /** The pod's `/etc/resolv.conf` and `/etc/hosts` (cluster DNS, agent/dns/); absent: the engine's own. */
  podDns?: PodDnsFiles;
}

/** `NAME=value` lines as a map (the first `=` splits). */
function envMap(lines: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of lines) {
    const i = l.indexOf('=');
    if (i > 0) out.set(l.slice(0, i), l.slice(i + 1));
  }
  return out;
}

/** The kubelet's `MilliCPUToShares`: requests.cpu as a relative CPU weight (at least 2). */
export function cpuShares(millis: number): number {
  return Math.max(2, Math.floor((millis * 1024) / 1000));
}

/**
 * Everything a run of a container needs beyond its image, resolved as the kubelet's
 * `generateContainerConfig`: the environment (ConfigMaps, Secrets, pod fields, resources,
 * `$(VAR)` expansion) and the expanded command and args; its volume mounts (subPath directories
 * made first) and the termination-message file; its security context; CPU shares and memory
 * reservation from its requests. Throws a `ContainerConfigError` when a reference is missing.
 */
export async function resolveContainerConfig(
  d: ContainerConfigDeps,
  pod: Pod,
  c: Container,
  attempt: number,
  ctx: PodContext,
  pv: PodVolumes,
  sandboxId: string,
): Promise<NonNullable<import('./containers.js').SpecContext['resolved']>> {
  const env = await containerEnv(pod, c, {
    ...ctx,
    objects: d.objects,
    ...(d.serviceEnv ? { serviceEnv: envMap(d.serviceEnv(pod)) } : {}),
    warn: (reason, message) => d.recorder.record(pod, 'Warning', reason, message),
  });
  const { command, args } = expandCommand(c, env);
  const plan = await containerMounts(pod, c, pv, env.vars);
  if (plan.sandboxDirs.length) await d.volumes.prepareInSandbox(sandboxId, pv, plan.sandboxDirs);
  const log = await prepareTerminationLog(d.volumes.podDataDir(pod.metadata.uid ?? ''), c, attempt);
  const mounts = [...plan.mounts];
  const target = typeof c.terminationMessagePath === 'string' && c.terminationMessagePath ? c.terminationMessagePath : '/dev/termination-log';
  if (log && !mounts.some((m) => m.target === target)) mounts.push({ type: 'bind', source: log, target });
  const dns = await d.podDns?.write(pod, ctx.podIP, d.volumes.podDataDir(pod.metadata.uid ?? ''));
  for (const w of dns?.warnings ?? []) d.recorder.record(pod, 'Warning', 'DNSConfigForming', w);
  for (const m of dns?.mounts ?? []) if (!mounts.some((x) => x.target === m.target)) mounts.push(m);
  const image = await d.runtime.imageInfo(c.image);
  const security = await securityFields(pod, c, { ...(image ? { image } : {}), sandboxId, ...(pv.agentGroup !== undefined ? { agentGroup: pv.agentGroup } : {}), seccompRoot: d.seccompRoot });
  const extra: Partial<ContainerCreateSpec> = { ...security };
  if (mounts.length) extra.mounts = mounts;
  const cpu = parseCpu(c.resources?.requests?.cpu);
  if (cpu) extra.cpuShares = cpuShares(cpu);
  const mem = parseMemory(c.resources?.requests?.memory);
  if (mem) extra.memoryReservationBytes = mem;
  return { env: env.list, ...(command ? { command } : {}), ...(args ? { args } : {}), extra };
}
