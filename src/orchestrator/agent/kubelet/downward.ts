import { integerValue, milliValue, parseExact } from '../../api/quantity.js';
import type { Container, Pod } from '../../api/types.js';

/**
 * A container cannot be configured: a missing ConfigMap/Secret or key, an unsupported field path,
 * runAsNonRoot against a root image. The container waits with `CreateContainerConfigError` and
 * this message, as the kubelet reports it, and is tried again on the next sync.
 */
export class ContainerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContainerConfigError';
  }
}

/** What the pod's own object does not say: where it runs and what the node has. */
export interface PodContext {
  nodeName: string;
  nodeIP: string;
  /** The pod IP, once the sandbox runs. */
  podIP?: string;
  /** The node's allocatable resources: the value of a limit a container does not set. */
  allocatable: { cpuMillis: number; memoryBytes: number; ephemeralBytes: number };
}

/** `key="value"` lines, sorted by key, as `fieldpath.FormatMap` writes labels and annotations. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify((m ?? {})[k])}`)
    .join('\n');
}

const SUBSCRIPT = /^metadata\.(labels|annotations)\['(.*)'\]$/;

/**
 * The value of a `fieldRef` (`fieldpath.ExtractFieldPathAsString` plus the kubelet's runtime
 * fields). `volume`: a downwardAPI file, which may also take the whole label and annotation maps
 * but not the runtime status fields.
 */
export function fieldRefValue(pod: Pod, path: string, ctx: PodContext, volume = false): string {
  const m = pod.metadata;
  const sub = SUBSCRIPT.exec(path);
  if (sub) return (sub[1] === 'labels' ? m.labels : m.annotations)?.[sub[2] ?? ''] ?? '';
  switch (path) {
    case 'metadata.name':
      return m.name ?? '';
    case 'metadata.namespace':
      return m.namespace ?? '';
    case 'metadata.uid':
      return m.uid ?? '';
    case 'metadata.labels':
      if (volume) return formatMap(m.labels);
      break;
    case 'metadata.annotations':
      if (volume) return formatMap(m.annotations);
      break;
  }
  if (!volume) {
    switch (path) {
      case 'spec.nodeName':
        return pod.spec.nodeName ?? ctx.nodeName;
      case 'spec.serviceAccountName':
        return typeof pod.spec.serviceAccountName === 'string' ? pod.spec.serviceAccountName : 'default';
      case 'status.hostIP':
      case 'status.hostIPs':
        return ctx.nodeIP;
      case 'status.podIP':
      case 'status.podIPs':
        return ctx.podIP ?? '';
    }
  }
  throw new ContainerConfigError(`unsupported fieldPath: ${path}`);
}

export interface ResourceFieldRef {
  containerName?: string;
  resource: string;
  divisor?: string | number;
}

/**
 * The value of a `resourceFieldRef` (`resource.ExtractContainerResourceValue`): the container's
 * limit or request divided by `divisor` and rounded up; a limit the container does not set is the
 * node's allocatable amount, as the kubelet merges it.
 */
export function resourceFieldValue(pod: Pod, ref: ResourceFieldRef, self: Container | undefined, ctx: PodContext): string {
  const all = [...pod.spec.containers, ...(pod.spec.initContainers ?? [])];
  const c = ref.containerName ? all.find((x) => x.name === ref.containerName) : self;
  if (!c) throw new ContainerConfigError(`cannot find container ${ref.containerName ?? ''} in pod ${pod.metadata.name ?? ''}`);
  const [kind, resource] = splitOnce(ref.resource);
  const res = c.resources ?? {};
  const given = (kind === 'limits' ? res.limits : kind === 'requests' ? res.requests : undefined)?.[resource];
  const divisor = ref.divisor === undefined || ref.divisor === '' || ref.divisor === 0 ? '1' : ref.divisor;
  if (!parseExact(divisor)) throw new ContainerConfigError(`invalid divisor ${String(divisor)}`);
  if (resource === 'cpu') {
    const millis = given !== undefined ? milliValue(given) : kind === 'limits' ? ctx.allocatable.cpuMillis : 0;
    return String(Math.ceil(millis / milliValue(divisor)));
  }
  if (resource === 'memory' || resource === 'ephemeral-storage' || resource.startsWith('hugepages-')) {
    const fallback = kind === 'limits' ? (resource === 'memory' ? ctx.allocatable.memoryBytes : resource === 'ephemeral-storage' ? ctx.allocatable.ephemeralBytes : 0) : 0;
    const bytes = given !== undefined ? integerValue(given) : fallback;
    return String(Math.ceil(bytes / integerValue(divisor)));
  }
  throw new ContainerConfigError(`unsupported container resource : ${ref.resource}`);
}

function splitOnce(s: string): [string, string] {
  const i = s.indexOf('.');
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + 1)];
}
