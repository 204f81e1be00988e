/**
 * ResourceQuota (core/v1): what the objects of a namespace use, as kube-apiserver's quota
 * evaluators count it (pkg/quota/v1/evaluator/core), which objects a quota's scopes cover, and the
 * admission's verdict on a new usage. Pure functions: the quota admission (apiserver/quota.ts) and
 * the quota controller call them with objects they read.
 */
import { qosClass } from './defaults/podSpec.js';
import type { ResourceType } from './resources.js';
import { formatTotal, podTotals } from './podResources.js';
import { compareQuantities, isQuantity, milliValue } from './quantity.js';
import type { KubeObject, StatusCause } from './types.js';
import { asArr, asObj, asStr, each, enumOf, invalid, notSupported, required, type Obj } from './validation/causes.js';
import { qualifiedName } from './validation/names.js';

export const QUOTA_SCOPES = ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating'] as const;
const SCOPE_OPERATORS = ['DoesNotExist', 'Exists', 'In', 'NotIn'];

export type ResourceList = Record<string, string>;

export type ResourceQuota = KubeObject & {
  spec?: { hard?: Record<string, unknown>; scopes?: string[]; scopeSelector?: { matchExpressions?: { scopeName?: string; operator?: string; values?: string[] }[] } };
  status?: { hard?: ResourceList; used?: ResourceList };
};

/** Thousandths per resource name: a usage, or a change of one. */
export type Usage = Map<string, number>;

type Pod = KubeObject & { spec?: { activeDeadlineSeconds?: number; priorityClassName?: string; affinity?: Obj; containers?: unknown; initContainers?: unknown; overhead?: Record<string, unknown> }; status?: { phase?: string } };

const COMPUTE = ['cpu', 'memory', 'ephemeral-storage'];

/** The pod counts (QuotaV1Pod): not finished, and not past its deletion's grace period. */
export function podCounts(pod: Pod, now: number): boolean {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  const del = pod.metadata.deletionTimestamp;
  const grace = pod.metadata.deletionGracePeriodSeconds;
  return !(del && grace !== undefined && now > Date.parse(del) + grace * 1000);
}

function qos(pod: Pod): string {
  return qosClass((pod.spec ?? {}) as Obj) === 'BestEffort' ? 'BestEffort' : 'NotBestEffort';
}

/** What one object uses, by quota resource name (the evaluators' Usage). */
export function usageOf(r: Pick<ResourceType, 'resource' | 'group'>, obj: KubeObject, now: number): Usage {
  const u: Usage = new Map();
  const count = r.group ? `count/${r.resource}.${r.group}` : `count/${r.resource}`;
  u.set(count, 1000);
  if (r.resource === 'pods') {
    const pod = obj as Pod;
    if (!podCounts(pod, now)) return new Map();
    u.set('pods', 1000);
    const req = podTotals(pod.spec ?? {}, 'requests').milli;
    const lim = podTotals(pod.spec ?? {}, 'limits').milli;
    for (const [k, m] of req) {
      u.set(`requests.${k}`, m);
      if (COMPUTE.includes(k)) u.set(k, m);
    }
    for (const [k, m] of lim) if (COMPUTE.includes(k)) u.set(`limits.${k}`, m);
  } else if (r.resource === 'services') {
    const spec = (obj.spec ?? {}) as { type?: string; ports?: { nodePort?: number }[] };
    u.set('services', 1000);
    const type = spec.type ?? 'ClusterIP';
    if (type === 'LoadBalancer') u.set('services.loadbalancers', 1000);
    if (type === 'NodePort' || type === 'LoadBalancer') u.set('services.nodeports', 1000 * asArr(spec.ports).length);
  } else if (r.resource === 'persistentvolumeclaims') {
    const spec = (obj.spec ?? {}) as { storageClassName?: string; resources?: { requests?: Record<string, unknown> } };
    u.set('persistentvolumeclaims', 1000);
    const storage = spec.resources?.requests?.storage;
    const m = isQuantity(storage) ? milliValue(storage) : 0;
    u.set('requests.storage', m);
    if (spec.storageClassName) {
      u.set(`${spec.storageClassName}.storageclass.storage.k8s.io/persistentvolumeclaims`, 1000);
      u.set(`${spec.storageClassName}.storageclass.storage.k8s.io/requests.storage`, m);
    }
  } else if (!r.group && ['configmaps', 'secrets', 'replicationcontrollers', 'resourcequotas'].includes(r.resource)) {
    u.set(r.resource, 1000);
  }
  return u;
}

/** Whether `pod` is in a quota scope (a non-pod object is in none). */
function inScope(scope: string, pod: Pod | undefined, sel?: { operator?: string; values?: string[] }): boolean {
  if (!pod) return false;
  switch (scope) {
    case 'Terminating':
      return pod.spec?.activeDeadlineSeconds !== undefined && pod.spec.activeDeadlineSeconds >= 0;
    case 'NotTerminating':
      return !(pod.spec?.activeDeadlineSeconds !== undefined && pod.spec.activeDeadlineSeconds >= 0);
    case 'BestEffort':
      return qos(pod) === 'BestEffort';
    case 'NotBestEffort':
      return qos(pod) === 'NotBestEffort';
    case 'CrossNamespacePodAffinity': {
      const a = asObj(pod.spec?.affinity) ?? {};
      const terms = ['podAffinity', 'podAntiAffinity'].flatMap((k) => {
        const x = asObj(a[k]) ?? {};
        return [...asArr(x.requiredDuringSchedulingIgnoredDuringExecution), ...asArr(x.preferredDuringSchedulingIgnoredDuringExecution).map((w) => asObj(w)?.podAffinityTerm)];
      });
      return terms.some((t) => asArr(asObj(t)?.namespaces).length > 0 || asObj(t)?.namespaceSelector !== undefined);
    }
    case 'PriorityClass': {
      const name = pod.spec?.priorityClassName;
      if (!sel) return name !== undefined && name !== '';
      if (sel.operator === 'Exists') return name !== undefined && name !== '';
      if (sel.operator === 'DoesNotExist') return !name;
      if (sel.operator === 'In') return name !== undefined && (sel.values ?? []).includes(name);
      if (sel.operator === 'NotIn') return !name || !(sel.values ?? []).includes(name);
      return false;
    }
    default:
      return false;
  }
}

/** The quota's scopes and scope selector: all must cover the object (an unscoped quota covers everything). */
export function quotaCovers(q: ResourceQuota, r: Pick<ResourceType, 'resource'>, obj: KubeObject): boolean {
  const pod = r.resource === 'pods' ? (obj as Pod) : undefined;
  const scopes = asArr(q.spec?.scopes).filter((s): s is string => typeof s === 'string');
  const exprs = asArr(q.spec?.scopeSelector?.matchExpressions).map((e) => (asObj(e) ?? {}) as { scopeName?: string; operator?: string; values?: string[] });
  if (!scopes.length && !exprs.length) return true;
  return scopes.every((s) => inScope(s, pod)) && exprs.every((e) => inScope(e.scopeName ?? '', pod, e));
}

/** Resources a scoped quota may limit (the rest refers to objects no scope can match). */
function scopeAllows(resource: string): boolean {
  return resource === 'pods' || resource === 'count/pods' || COMPUTE.includes(resource) || resource.startsWith('requests.') || resource.startsWith('limits.');
}

/** ValidateResourceQuota: quantities, scope names and operators, resources a scope can apply to. */
export function validateResourceQuota(o: KubeObject): StatusCause[] {
  const q = o as ResourceQuota;
  const causes: StatusCause[] = [];
  const hard = asObj(q.spec?.hard) ?? {};
  const scoped = asArr(q.spec?.scopes).length > 0 || asArr(q.spec?.scopeSelector?.matchExpressions).length > 0;
  for (const [k, v] of Object.entries(hard)) {
    const path = `spec.hard[${k}]`;
    causes.push(...each(path, k, qualifiedName(k.replace(/^count\//, 'count.'))));
    if (!isQuantity(v)) causes.push(invalid(path, v, 'must be a valid resource quantity'));
    else if (compareQuantities(v, 0) < 0) causes.push(invalid(path, v, 'must be greater than or equal to 0'));
    if (scoped && !scopeAllows(k)) causes.push(invalid('spec.scopeSelector.matchExpressions', q.spec?.scopes ?? [], `unsupported scope applied to resource`));
  }
  const scopes = asArr(q.spec?.scopes);
  scopes.forEach((s, i) => causes.push(...enumOf(`spec.scopes[${i}]`, s, QUOTA_SCOPES)));
  if (scopes.includes('Terminating') && scopes.includes('NotTerminating')) causes.push(invalid('spec.scopes', scopes, 'conflicting scopes'));
  if (scopes.includes('BestEffort') && scopes.includes('NotBestEffort')) causes.push(invalid('spec.scopes', scopes, 'conflicting scopes'));
  asArr(q.spec?.scopeSelector?.matchExpressions).forEach((raw, i) => {
    const e = (asObj(raw) ?? {}) as Obj;
    const path = `spec.scopeSelector.matchExpressions[${i}]`;
    if (!asStr(e.scopeName)) causes.push(required(`${path}.scopeName`));
    else causes.push(...enumOf(`${path}.scopeName`, e.scopeName, QUOTA_SCOPES));
    if (!SCOPE_OPERATORS.includes(String(e.operator))) causes.push(notSupported(`${path}.operator`, e.operator, SCOPE_OPERATORS));
    const values = asArr(e.values);
    if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0) causes.push(required(`${path}.values`, 'must be at least one value when `operator` is \'In\' or \'NotIn\' for scope selector'));
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length > 0) causes.push(invalid(`${path}.values`, values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector"));
  });
  return causes;
}

/** The quota's hard limits in thousandths. */
export function hardOf(q: ResourceQuota): Usage {
  return new Map(Object.entries(q.spec?.hard ?? {}).filter(([, v]) => isQuantity(v)).map(([k, v]) => [k, milliValue(v)]));
}

/** A usage as a ResourceList for `status.used`, printed in the style of the quota's hard values. */
export function toResourceList(u: Usage, keys: Iterable<string>, like: Record<string, unknown> = {}): ResourceList {
  const out: ResourceList = {};
  for (const k of keys) {
    const v = like[k];
    out[k] = formatTotal(u.get(k) ?? 0, typeof v === 'string' && v.endsWith('i'));
  }
  return out;
}

/** Adds `u` (times `sign`) into `into`. */
export function addUsage(into: Usage, u: Usage, sign = 1): Usage {
  for (const [k, m] of u) into.set(k, (into.get(k) ?? 0) + sign * m);
  return into;
}

/**
 * Resources a quota limits that a pod must state, per container (the pod evaluator's Constraints):
 * a quota on `requests.cpu` (or `cpu`) needs every container to request cpu, one on `limits.memory`
 * every container to limit memory. Messages as kube-apiserver: `must specify limits.cpu for: web`.
 */
export function missingConstraints(pod: KubeObject, hard: Iterable<string>): string[] {
  const containers = [...asArr((pod.spec as Obj | undefined)?.initContainers), ...asArr((pod.spec as Obj | undefined)?.containers)].map((c) => (asObj(c) ?? {}) as { name?: string; resources?: { requests?: Obj; limits?: Obj } });
  const out: string[] = [];
  const keys = new Set(hard);
  for (const res of COMPUTE.filter((r) => r !== 'ephemeral-storage')) {
    for (const [kind, names] of [['requests', [`requests.${res}`, res]], ['limits', [`limits.${res}`]]] as const) {
      if (!names.some((n) => keys.has(n))) continue;
      const missing = containers.filter((c) => c.resources?.[kind]?.[res] === undefined).map((c) => c.name ?? '');
      if (missing.length) out.push(`${kind}.${res} for: ${missing.join(',')}`);
    }
  }
  return out.sort();
}

/** The kind (plural resource and group) whose objects a quota resource name counts; undefined for none. */
export function countedResource(key: string): { resource: string; group: string } | undefined {
  if (key.startsWith('count/')) {
    const rest = key.slice('count/'.length);
    const dot = rest.indexOf('.');
    return dot < 0 ? { resource: rest, group: '' } : { resource: rest.slice(0, dot), group: rest.slice(dot + 1) };
  }
  if (['configmaps', 'secrets', 'replicationcontrollers', 'resourcequotas', 'services', 'persistentvolumeclaims', 'pods'].includes(key)) return { resource: key, group: '' };
  if (key.startsWith('services.')) return { resource: 'services', group: '' };
  if (key === 'requests.storage' || key.includes('.storageclass.storage.k8s.io/')) return { resource: 'persistentvolumeclaims', group: '' };
  if (COMPUTE.includes(key) || key.startsWith('requests.') || key.startsWith('limits.')) return { resource: 'pods', group: '' };
  return undefined;
}

/**
 * What the namespace's objects use of each resource the quota limits (the quota controller's
 * recalculation): `objectsOf` lists one kind's objects in the quota's namespace.
 */
export async function quotaUsage(
  q: ResourceQuota,
  kinds: (resource: string, group: string) => Pick<ResourceType, 'resource' | 'group'> | undefined,
  objectsOf: (r: Pick<ResourceType, 'resource' | 'group'>) => Promise<readonly KubeObject[]> | readonly KubeObject[],
  now: number,
): Promise<Usage> {
  const keys = Object.keys(q.spec?.hard ?? {});
  const used: Usage = new Map(keys.map((k) => [k, 0]));
  const byKind = new Map<string, Pick<ResourceType, 'resource' | 'group'>>();
  for (const k of keys) {
    const c = countedResource(k);
    const r = c && kinds(c.resource, c.group);
    if (r) byKind.set(`${r.group}/${r.resource}`, r);
  }
  for (const r of byKind.values()) {
    for (const obj of await objectsOf(r)) {
      if (!quotaCovers(q, r, obj)) continue;
      for (const [k, m] of usageOf(r, obj, now)) if (used.has(k)) used.set(k, (used.get(k) ?? 0) + m);
    }
  }
  return used;
}

/** The status a quota should have: its hard limits as written, and the usage in their style. */
export function quotaStatus(q: ResourceQuota, used: Usage): { hard: ResourceList; used: ResourceList } {
  const spec = (q.spec?.hard ?? {}) as Record<string, unknown>;
  const hard: ResourceList = {};
  for (const [k, v] of Object.entries(spec)) hard[k] = String(v);
  return { hard, used: toResourceList(used, Object.keys(spec), spec) };
}
