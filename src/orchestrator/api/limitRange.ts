/**
 * LimitRange (core/v1): per-namespace defaults and bounds for containers, pods and claims, as
 * kube-apiserver's LimitRanger admission plugin applies them (plugin/pkg/admission/limitranger).
 * Pure functions over objects: the pod and claim strategies call them with the namespace's
 * LimitRanges from the watch cache.
 */
import { formatTotal, podTotals, type PodSpecLike } from './podResources.js';
import { compareQuantities, integerValue, isQuantity, milliValue } from './quantity.js';
import type { KubeObject, StatusCause } from './types.js';
import { asArr, asObj, asStr, enumOf, forbidden, invalid, required, type Obj } from './validation/causes.js';

export const LIMIT_TYPES = ['Container', 'PersistentVolumeClaim', 'Pod'] as const;
const LIMIT_RANGER_ANNOTATION = 'kubernetes.io/limit-ranger';

type ResourceList = Record<string, unknown>;

interface LimitRangeItem {
  type?: string;
  max?: ResourceList;
  min?: ResourceList;
  default?: ResourceList;
  defaultRequest?: ResourceList;
  maxLimitRequestRatio?: ResourceList;
}

export type LimitRange = KubeObject & { spec?: { limits?: LimitRangeItem[] } };

const items = (lr: LimitRange): LimitRangeItem[] => asArr(lr.spec?.limits).map((i) => (asObj(i) ?? {}) as LimitRangeItem);

/**
 * SetDefaults_LimitRangeItem: a Container item's default limit is its max where unset, its default
 * request the default limit, else the min.
 */
export function defaultLimitRange(o: KubeObject): void {
  for (const item of items(o as LimitRange)) {
    if (item.type !== 'Container') continue;
    const def = (item.default ??= {});
    const req = (item.defaultRequest ??= {});
    for (const [k, v] of Object.entries(item.max ?? {})) if (!(k in def)) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (!(k in req)) req[k] = v;
    for (const [k, v] of Object.entries(item.min ?? {})) if (!(k in req)) req[k] = v;
  }
}

/** ValidateLimitRange: known types, valid quantities, and min <= default request <= default <= max. */
export function validateLimitRange(o: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const limits = asArr((o.spec as Obj | undefined)?.limits);
  limits.forEach((raw, i) => {
    const item = (asObj(raw) ?? {}) as LimitRangeItem & Obj;
    const path = `spec.limits[${i}]`;
    if (!asStr(item.type)) causes.push(required(`${path}.type`));
    else causes.push(...enumOf(`${path}.type`, item.type, LIMIT_TYPES));
    const lists = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const;
    const valid: Record<(typeof lists)[number], ResourceList> = { max: {}, min: {}, default: {}, defaultRequest: {}, maxLimitRequestRatio: {} };
    for (const l of lists) {
      for (const [k, v] of Object.entries(asObj(item[l]) ?? {})) {
        if (isQuantity(v)) valid[l][k] = v;
        else causes.push(invalid(`${path}.${l}[${k}]`, v, 'must be a valid resource quantity'));
      }
    }
    if (item.type === 'Pod') {
      if (Object.keys(valid.default).length) causes.push(forbidden(`${path}.default`, "may not be specified when `type` is 'Pod'"));
      if (Object.keys(valid.defaultRequest).length) causes.push(forbidden(`${path}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
    }
    const keys = new Set(lists.flatMap((l) => Object.keys(valid[l])));
    for (const k of keys) {
      const { max, min, default: def, defaultRequest: req, maxLimitRequestRatio: ratio } = valid;
      const gt = (a: unknown, b: unknown) => compareQuantities(a, b) > 0;
      if (k in min && k in max && gt(min[k], max[k])) causes.push(invalid(`${path}.min[${k}]`, min[k], `min value ${q(min[k])} is greater than max value ${q(max[k])}`));
      if (k in req && k in min && gt(min[k], req[k])) causes.push(invalid(`${path}.defaultRequest[${k}]`, req[k], `min value ${q(min[k])} is greater than default request value ${q(req[k])}`));
      if (k in req && k in max && gt(req[k], max[k])) causes.push(invalid(`${path}.defaultRequest[${k}]`, req[k], `default request value ${q(req[k])} is greater than max value ${q(max[k])}`));
      if (k in req && k in def && gt(req[k], def[k])) causes.push(invalid(`${path}.defaultRequest[${k}]`, req[k], `default request value ${q(req[k])} is greater than default limit value ${q(def[k])}`));
      if (k in def && k in min && gt(min[k], def[k])) causes.push(invalid(`${path}.default[${k}]`, min[k], `min value ${q(min[k])} is greater than default value ${q(def[k])}`));
      if (k in def && k in max && gt(def[k], max[k])) causes.push(invalid(`${path}.default[${k}]`, max[k], `default value ${q(def[k])} is greater than max value ${q(max[k])}`));
      if (k in ratio && compareQuantities(ratio[k], 1) < 0) causes.push(invalid(`${path}.maxLimitRequestRatio[${k}]`, ratio[k], `ratio ${q(ratio[k])} is less than 1`));
    }
  });
  return causes;
}

/** A quantity as the user wrote it (`cpu: 2` in YAML is the number 2). */
function q(v: unknown): string {
  return String(v);
}

interface Resources {
  requests?: ResourceList;
  limits?: ResourceList;
}

type Container = Obj & { name?: string; resources?: Resources };

/**
 * The LimitRanger's mutation of a pod on create: each container and init container gets the
 * Container items' default limits and default requests for resources it does not set, and the pod
 * says so in its `kubernetes.io/limit-ranger` annotation. Returns whether anything was set.
 */
export function applyLimitRangeDefaults(pod: KubeObject, ranges: readonly LimitRange[]): boolean {
  const defLimits: ResourceList = {};
  const defRequests: ResourceList = {};
  for (const lr of ranges) {
    for (const item of items(lr)) {
      if (item.type !== 'Container') continue;
      Object.assign(defRequests, item.defaultRequest ?? {});
      Object.assign(defLimits, item.default ?? {});
    }
  }
  if (!Object.keys(defLimits).length && !Object.keys(defRequests).length) return false;
  const spec = (pod.spec ?? {}) as { containers?: Container[]; initContainers?: Container[] };
  const notes: string[] = [];
  const merge = (c: Container, prefix: string) => {
    const res = (c.resources ??= {});
    const limits = (res.limits ??= {});
    const requests = (res.requests ??= {});
    const setLimits = Object.keys(defLimits).filter((k) => !(k in limits));
    const setRequests = Object.keys(defRequests).filter((k) => !(k in requests));
    for (const k of setLimits) limits[k] = defLimits[k];
    for (const k of setRequests) requests[k] = defRequests[k];
    if (setRequests.length) notes.push(`${setRequests.sort().join(', ')} request for ${prefix} ${c.name ?? ''}`);
    if (setLimits.length) notes.push(`${setLimits.sort().join(', ')} limit for ${prefix} ${c.name ?? ''}`);
    if (!Object.keys(limits).length) delete res.limits;
    if (!Object.keys(requests).length) delete res.requests;
  };
  for (const c of asArr(spec.containers)) merge(c as Container, 'container');
  for (const c of asArr(spec.initContainers)) merge(c as Container, 'init container');
  if (!notes.length) return false;
  pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [LIMIT_RANGER_ANNOTATION]: `LimitRanger plugin set: ${notes.join('; ')}` };
  return true;
}

/**
 * requestLimitEnforcedValues: compared in thousandths where the values allow it (cpu), else whole
 * units (memory, storage). A missing quantity is 0.
 */
function enforcedValues(req: unknown, lim: unknown, enforced: unknown): [number, number, number] {
  const whole = (v: unknown) => (v === undefined ? 0 : integerValue(v));
  const milli = (v: unknown) => (v === undefined ? 0 : milliValue(v));
  const MAX_MILLI = Number.MAX_SAFE_INTEGER / 1000;
  if (whole(req) <= MAX_MILLI && whole(lim) <= MAX_MILLI && whole(enforced) <= MAX_MILLI) return [milli(req), milli(lim), milli(enforced)];
  return [whole(req), whole(lim), whole(enforced)];
}

function minConstraint(type: string, name: string, enforced: unknown, requests: ResourceList, limits: ResourceList): string | undefined {
  const [req, lim, min] = enforcedValues(requests[name], limits[name], enforced);
  if (!(name in requests)) return `minimum ${name} usage per ${type} is ${q(enforced)}.  No request is specified`;
  if (req < min) return `minimum ${name} usage per ${type} is ${q(enforced)}, but request is ${q(requests[name])}`;
  if (name in limits && lim < min) return `minimum ${name} usage per ${type} is ${q(enforced)}, but limit is ${q(limits[name])}`;
  return undefined;
}

function maxConstraint(type: string, name: string, enforced: unknown, requests: ResourceList, limits: ResourceList): string | undefined {
  const [req, lim, max] = enforcedValues(requests[name], limits[name], enforced);
  if (!(name in limits)) return `maximum ${name} usage per ${type} is ${q(enforced)}.  No limit is specified`;
  if (lim > max) return `maximum ${name} usage per ${type} is ${q(enforced)}, but limit is ${q(limits[name])}`;
  if (name in requests && req > max) return `maximum ${name} usage per ${type} is ${q(enforced)}, but request is ${q(requests[name])}`;
  return undefined;
}

/** maxRequestConstraint: a claim's max bounds what it requests (a claim has no limits). */
function maxRequestConstraint(type: string, name: string, enforced: unknown, requests: ResourceList): string | undefined {
  if (!(name in requests)) return undefined;
  const [req, , max] = enforcedValues(requests[name], undefined, enforced);
  return req > max ? `maximum ${name} usage per ${type} is ${q(enforced)}, but request is ${q(requests[name])}` : undefined;
}

function ratioConstraint(type: string, name: string, enforced: unknown, requests: ResourceList, limits: ResourceList): string | undefined {
  const [req, lim] = enforcedValues(requests[name], limits[name], enforced);
  if (!(name in requests) || req === 0) return `${name} max limit to request ratio per ${type} is ${q(enforced)}, but no request is specified or request is 0`;
  if (!(name in limits) || lim === 0) return `${name} max limit to request ratio per ${type} is ${q(enforced)}, but no limit is specified or limit is 0`;
  const ratio = lim / req;
  const allowed = integerValue(enforced) <= Number.MAX_SAFE_INTEGER / 1000 ? milliValue(enforced) / 1000 : integerValue(enforced);
  return ratio > allowed ? `${name} max limit to request ratio per ${type} is ${q(enforced)}, but provided ratio is ${ratio.toFixed(6)}` : undefined;
}

function bounds(type: string, item: LimitRangeItem, requests: ResourceList, limits: ResourceList, out: string[]): void {
  for (const [k, v] of Object.entries(item.min ?? {})) push(out, minConstraint(type, k, v, requests, limits));
  for (const [k, v] of Object.entries(item.max ?? {})) push(out, maxConstraint(type, k, v, requests, limits));
  for (const [k, v] of Object.entries(item.maxLimitRequestRatio ?? {})) push(out, ratioConstraint(type, k, v, requests, limits));
}

function push(out: string[], m: string | undefined): void {
  if (m) out.push(m);
}

function podTotal(spec: PodSpecLike, which: 'requests' | 'limits'): ResourceList {
  const t = podTotals(spec, which);
  return Object.fromEntries([...t.milli].map(([k, m]) => [k, formatTotal(m, t.binary.has(k))]));
}

/**
 * PodValidateLimitFunc: every container and init container within each Container item's min, max
 * and ratio, and the pod's totals within each Pod item's. The messages, as the LimitRanger words
 * them (empty: the pod is within every range).
 */
export function podLimitViolations(pod: KubeObject, ranges: readonly LimitRange[]): string[] {
  const spec = (pod.spec ?? {}) as { containers?: Container[]; initContainers?: Container[] };
  const out: string[] = [];
  for (const lr of ranges) {
    for (const item of items(lr)) {
      if (item.type === 'Container') {
        for (const c of [...asArr(spec.containers), ...asArr(spec.initContainers)] as Container[]) bounds('Container', item, c.resources?.requests ?? {}, c.resources?.limits ?? {}, out);
      } else if (item.type === 'Pod') {
        bounds('Pod', item, podTotal(spec, 'requests'), podTotal(spec, 'limits'), out);
      }
    }
  }
  return out;
}

/** PersistentVolumeClaimValidateLimitFunc: a claim's requests within each PersistentVolumeClaim item's min and max. */
export function claimLimitViolations(claim: KubeObject, ranges: readonly LimitRange[]): string[] {
  const requests = ((claim.spec as { resources?: Resources } | undefined)?.resources?.requests ?? {}) as ResourceList;
  const out: string[] = [];
  for (const lr of ranges) {
    for (const item of items(lr)) {
      if (item.type !== 'PersistentVolumeClaim') continue;
      for (const [k, v] of Object.entries(item.min ?? {})) push(out, minConstraint('PersistentVolumeClaim', k, v, requests, {}));
      for (const [k, v] of Object.entries(item.max ?? {})) push(out, maxRequestConstraint('PersistentVolumeClaim', k, v, requests));
    }
  }
  return out;
}

/** utilerrors.NewAggregate's message: one error as it is, several in brackets. */
export function aggregate(messages: readonly string[]): string {
  return messages.length === 1 ? (messages[0] as string) : `[${messages.join(', ')}]`;
}
