import { createHash } from 'node:crypto';
import type { Container, Pod } from '../../api/types.js';
import { LABELS, isTerminated, type ContainerCreateSpec, type ContainerDetails } from '../runtime/types.js';
import { cpuToNanoCpus, memoryToBytes } from './quantity.js';
import { withServiceEnv } from '../net/serviceEnv.js';

/** One engine container: one run (attempt) of a pod's container. */
export interface Instance {
  details: ContainerDetails;
  podUid: string;
  containerName: string;
  attempt: number;
  hash: string;
}

/** Labels selecting every container this agent owns on the engine. */
export function nodeSelector(nodeName: string): Record<string, string> {
  return { [LABELS.managed]: 'true', [LABELS.node]: nodeName };
}

export function toInstance(d: ContainerDetails): Instance | undefined {
  const podUid = d.labels[LABELS.podUid];
  const containerName = d.labels[LABELS.containerName];
  if (!podUid || !containerName) return undefined;
  const attempt = Number(d.labels[LABELS.attempt] ?? '0');
  return { details: d, podUid, containerName, attempt: Number.isFinite(attempt) ? attempt : 0, hash: d.labels[LABELS.hash] ?? '' };
}

/** A pod's instances per container name, newest attempt first. */
export function groupInstances(instances: Instance[]): Map<string, Instance[]> {
  const out = new Map<string, Instance[]>();
  for (const i of instances) {
    const list = out.get(i.containerName) ?? [];
    list.push(i);
    out.set(i.containerName, list);
  }
  for (const list of out.values()) list.sort((a, b) => b.attempt - a.attempt || b.details.createdAt - a.details.createdAt);
  return out;
}

/** Changes to these fields replace a running container (Kubernetes allows changing `image` in place). */
export function containerHash(c: Container): string {
  // Normalized, so API defaults filled in later (empty lists, protocol TCP) never restart a container.
  const list = <T>(v: T[] | undefined) => (v?.length ? v : null);
  const ports = list(c.ports?.map((p) => [p.containerPort, p.protocol ?? 'TCP', p.hostPort ?? null]));
  const limits = c.resources?.limits && Object.keys(c.resources.limits).length ? c.resources.limits : null;
  const relevant = [c.image, list(c.command), list(c.args), list(c.env), ports, limits, c.workingDir || null];
  return createHash('sha256').update(JSON.stringify(relevant)).digest('hex').slice(0, 16);
}

/** Whether a terminated container should run again under the pod's restartPolicy. */
export function shouldRestart(pod: Pod, exitCode: number): boolean {
  const policy = pod.spec.restartPolicy ?? 'Always';
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

/** Kubernetes' default: `Always` for `:latest` or untagged images, else `IfNotPresent`. */
export function pullPolicy(c: Container): 'Always' | 'IfNotPresent' | 'Never' {
  if (c.imagePullPolicy) return c.imagePullPolicy;
  if (c.image.includes('@')) return 'IfNotPresent';
  const last = c.image.slice(c.image.lastIndexOf('/') + 1);
  const tag = last.includes(':') ? last.slice(last.indexOf(':') + 1) : 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** The engine name, like the kubelet's `k8s_<container>_<pod>_<ns>_<uid>_<attempt>`: unique per run. */
export function containerName(pod: Pod, c: Container, attempt: number): string {
  const m = pod.metadata;
  return `skiff_${c.name}_${m.name}_${m.namespace}_${(m.uid ?? '').slice(0, 8)}_${attempt}`;
}

export interface SpecContext {
  nodeName: string;
  nodeIP: string;
  /** The pod IP, once the pod's sandbox runs (for `status.podIP` env references). */
  podIP?: string;
  /** `container:<sandbox id>`: every container joins the pod's sandbox (`net/sandbox.ts`). */
  networkMode: string;
  /**
   * What the agent resolved for this run (containerConfig.ts): the whole environment, command and
   * args after `$(VAR)` expansion, and mounts, security and resources in the engine's terms.
   */
  resolved?: { env: string[]; command?: string[]; args?: string[]; extra: Partial<ContainerCreateSpec> };
  /** The Service variables (`net/serviceEnv.ts`), before the container's own. */
  serviceEnv?: string[];
}

/** Maps a pod's container onto the engine's create call. */
export function toCreateSpec(pod: Pod, c: Container, attempt: number, ctx: SpecContext): ContainerCreateSpec {
  const m = pod.metadata;
  const labels: Record<string, string> = {
    [LABELS.managed]: 'true',
    [LABELS.node]: ctx.nodeName,
    [LABELS.podUid]: m.uid ?? '',
    [LABELS.podNamespace]: m.namespace ?? 'default',
    [LABELS.podName]: m.name ?? '',
    [LABELS.containerName]: c.name,
    [LABELS.attempt]: String(attempt),
    [LABELS.hash]: containerHash(c),
  };
  const spec: ContainerCreateSpec = {
    name: containerName(pod, c, attempt),
    image: c.image,
    env: ctx.resolved?.env ?? withServiceEnv(ctx.serviceEnv, envOf(pod, c, ctx)),
    labels,
  };
  const command = ctx.resolved ? ctx.resolved.command : c.command;
  const args = ctx.resolved ? ctx.resolved.args : c.args;
  if (command?.length) spec.entrypoint = [...command];
  if (args) spec.cmd = [...args];
  if (c.workingDir) spec.workingDir = c.workingDir;
  if (c.stdin) spec.stdin = true;
  if (c.stdin && c.stdinOnce) spec.stdinOnce = true;
  if (c.tty) spec.tty = true;
  const nanoCpus = cpuToNanoCpus(c.resources?.limits?.cpu);
  const memoryBytes = memoryToBytes(c.resources?.limits?.memory);
  if (nanoCpus) spec.nanoCpus = nanoCpus;
  if (memoryBytes) spec.memoryBytes = memoryBytes;
  spec.networkMode = ctx.networkMode;
  if (ctx.resolved) Object.assign(spec, ctx.resolved.extra);
  return spec;
}

/** Every port any container of the pod declares, for the pod's sandbox to expose. */
export function podPorts(pod: Pod): NonNullable<ContainerCreateSpec['exposedPorts']> {
  const out = new Map<string, { port: number; protocol: 'tcp' | 'udp' | 'sctp' }>();
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) {
      const protocol = (p.protocol ?? 'TCP').toLowerCase() as 'tcp' | 'udp' | 'sctp';
      out.set(`${p.containerPort}/${protocol}`, { port: p.containerPort, protocol });
    }
  }
  return [...out.values()];
}

/** Literal values and the `fieldRef`s that need no other resource; others wait for configmaps/secrets support. */
function envOf(pod: Pod, c: Container, ctx: SpecContext): string[] {
  const out: string[] = [];
  for (const e of c.env ?? []) {
    if (e.value !== undefined) out.push(`${e.name}=${e.value}`);
    else if (e.valueFrom) {
      const path = (e.valueFrom as { fieldRef?: { fieldPath?: string } }).fieldRef?.fieldPath;
      const v = path ? fieldValue(pod, path, ctx) : undefined;
      if (v !== undefined) out.push(`${e.name}=${v}`);
    } else out.push(`${e.name}=`);
  }
  return out;
}

function fieldValue(pod: Pod, path: string, ctx: SpecContext): string | undefined {
  switch (path) {
    case 'metadata.name':
      return pod.metadata.name;
    case 'metadata.namespace':
      return pod.metadata.namespace;
    case 'metadata.uid':
      return pod.metadata.uid;
    case 'spec.nodeName':
      return ctx.nodeName;
    case 'spec.serviceAccountName':
      return typeof pod.spec.serviceAccountName === 'string' ? pod.spec.serviceAccountName : 'default';
    case 'status.hostIP':
      return ctx.nodeIP;
    case 'status.podIP':
      return ctx.podIP;
  }
  const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (label) return (label[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations)?.[label[2] ?? ''];
  return undefined;
}

/** Terminated state fields of an instance, as Kubernetes reports them. */
export function terminatedOf(i: Instance): { exitCode: number; reason: string; message?: string; startedAt?: number; finishedAt?: number } {
  const d = i.details;
  const reason = d.state === 'created' && d.error ? 'StartError' : d.oomKilled ? 'OOMKilled' : d.exitCode === 0 ? 'Completed' : 'Error';
  return {
    exitCode: d.exitCode,
    reason,
    ...(d.error ? { message: d.error } : {}),
    ...(d.startedAt !== undefined ? { startedAt: d.startedAt } : {}),
    ...(d.finishedAt !== undefined ? { finishedAt: d.finishedAt } : {}),
  };
}

export { isTerminated };
