import type { ResourceType } from '../resources.js';
import type { KubeObject, StatusCause } from '../types.js';
import { asArr, asNum, asObj, asStr, forbidden, goStringMap, immutable, type Obj } from './causes.js';
import { roleRefUpdate } from './rbac.js';
import { deepEqual } from '../podutil.js';

/** Two values compare by content: key order does not matter, an undefined key is no key (podutil's deepEqual). */
function same(a: unknown, b: unknown): boolean {
  return deepEqual(a ?? null, b ?? null);
}

/** Top-level keys (and `spec.x` paths) whose values differ, for the message of a forbidden spec change. */
function changedPaths(a: Obj, b: Obj, prefix: string): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((k) => !same(a[k], b[k])).map((k) => `${prefix}.${k}`);
}

/** Go's `%#v` of a LabelSelector, as upstream prints it in `field is immutable` messages. */
function goSelector(sel: unknown): string {
  const s = asObj(sel);
  if (!s) return '(*v1.LabelSelector)(nil)';
  const exprs = asArr(s.matchExpressions);
  const ex = exprs.length
    ? `[]v1.LabelSelectorRequirement{${exprs
        .map((e) => {
          const o = asObj(e) ?? {};
          return `v1.LabelSelectorRequirement{Key:${JSON.stringify(String(o.key ?? ''))}, Operator:${JSON.stringify(String(o.operator ?? ''))}, Values:[]string{${asArr(o.values).map((v) => JSON.stringify(String(v))).join(', ')}}}`;
        })
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(asObj(s.matchLabels))}, MatchExpressions:${ex}}`;
}

function selectorImmutable(next: Obj, old: Obj): StatusCause[] {
  if (same(next.selector, old.selector)) return [];
  return [{ reason: 'FieldValueInvalid', message: `Invalid value: ${goSelector(next.selector)}: field is immutable`, field: 'spec.selector' }];
}

const POD_UPDATE_MESSAGE =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

function podSpecUpdate(next: Obj, old: Obj, ephemeral = false): StatusCause[] {
  // Copy every allowed change from next onto a clone of old; whatever still differs was not allowed.
  const allowed = structuredClone(old);
  // Through pods/NAME/ephemeralcontainers the ephemeral containers change (checked below), nothing else.
  if (ephemeral) {
    if (next.ephemeralContainers === undefined) delete allowed.ephemeralContainers;
    else allowed.ephemeralContainers = next.ephemeralContainers;
  }
  for (const list of ['containers', 'initContainers']) {
    const n = asArr(next[list]);
    const o = asArr(allowed[list]);
    if (n.length === o.length) {
      o.forEach((c, i) => {
        const oc = asObj(c);
        const nc = asObj(n[i]);
        if (oc && nc && nc.image !== undefined) oc.image = nc.image;
      });
    }
  }
  const oldAds = asNum(old.activeDeadlineSeconds);
  const newAds = asNum(next.activeDeadlineSeconds);
  if (newAds !== undefined && newAds > 0 && (oldAds === undefined || newAds <= oldAds)) allowed.activeDeadlineSeconds = newAds;
  const oldTol = asArr(old.tolerations);
  const newTol = asArr(next.tolerations);
  // An empty list and none are the same (Go omits both).
  if (oldTol.every((t) => newTol.some((u) => same(t, u)))) {
    if (next.tolerations === undefined) delete allowed.tolerations;
    else allowed.tolerations = next.tolerations;
  }
  if ((asNum(old.terminationGracePeriodSeconds) ?? 0) < 0 && next.terminationGracePeriodSeconds === 1) allowed.terminationGracePeriodSeconds = 1;
  const oldGates = asArr(old.schedulingGates);
  const newGates = asArr(next.schedulingGates);
  if (newGates.every((g) => oldGates.some((h) => same(g, h)))) {
    if (next.schedulingGates === undefined) delete allowed.schedulingGates;
    else allowed.schedulingGates = next.schedulingGates;
  }
  if (same(allowed, next)) return [];
  return [forbidden('spec', `${POD_UPDATE_MESSAGE}\n  changed: ${changedPaths(allowed, next, 'spec').join(', ')}`)];
}

/**
 * A write through `pods/NAME/ephemeralcontainers` (ValidatePodEphemeralContainersUpdate): ephemeral
 * containers are only ever added; an existing one is neither removed nor changed. Mirror pods have none.
 */
function ephemeralContainersUpdate(next: KubeObject, old: KubeObject): StatusCause[] {
  if (old.metadata?.annotations?.['kubernetes.io/config.mirror'] !== undefined) return [forbidden('', 'static pods do not support ephemeral containers')];
  const byName = new Map(asArr(specOf(next).ephemeralContainers).map((c) => [asStr(asObj(c)?.name), c]));
  const causes: StatusCause[] = [];
  for (const raw of asArr(specOf(old).ephemeralContainers)) {
    const name = asStr(asObj(raw)?.name) ?? '';
    if (!byName.has(name)) causes.push(forbidden('spec.ephemeralContainers', `existing ephemeral containers "${name}" may not be removed\n`));
    else if (!same(raw, byName.get(name))) causes.push(forbidden('spec.ephemeralContainers', `existing ephemeral containers "${name}" may not be changed\n`));
  }
  return causes;
}

const STS_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

function specOf(o: KubeObject): Obj {
  return asObj(o.spec) ?? {};
}

function without(o: Obj, keys: string[]): Obj {
  const c = { ...o };
  for (const k of keys) delete c[k];
  return c;
}

/** Per-kind immutability rules (ValidateXUpdate upstream). */
const RULES: Record<string, (next: KubeObject, old: KubeObject, subresource?: 'status' | 'ephemeralcontainers') => StatusCause[]> = {
  IngressClass: (n, o) => {
    const controller = (x: KubeObject) => (x.spec as { controller?: unknown } | undefined)?.controller;
    return controller(n) !== controller(o) ? [immutable('spec.controller', controller(n))] : [];
  },
  PriorityClass: (n, o) => ((n as { value?: unknown }).value !== (o as { value?: unknown }).value ? [immutable('value', (n as { value?: unknown }).value)] : []),
  RoleBinding: roleRefUpdate,
  ClusterRoleBinding: roleRefUpdate,
  // Through `status` the spec is the stored one (ValidatePodStatusUpdate checks no spec).
  Pod: (n, o, sub) => (sub === 'status' ? [] : sub === 'ephemeralcontainers' ? [...podSpecUpdate(specOf(n), specOf(o), true), ...ephemeralContainersUpdate(n, o)] : podSpecUpdate(specOf(n), specOf(o))),
  Deployment: (n, o) => selectorImmutable(specOf(n), specOf(o)),
  ReplicaSet: (n, o) => selectorImmutable(specOf(n), specOf(o)),
  DaemonSet: (n, o) => selectorImmutable(specOf(n), specOf(o)),
  StatefulSet: (n, o) => {
    const causes = selectorImmutable(specOf(n), specOf(o));
    if (causes.length === 0 && !same(without(specOf(n), STS_MUTABLE), without(specOf(o), STS_MUTABLE))) {
      causes.push(
        forbidden('spec', "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"),
      );
    }
    return causes;
  },
  // A revision is a record: only its number (and metadata) may change (ValidateControllerRevisionUpdate).
  ControllerRevision: (n, o) => (same(n.data, o.data) ? [] : [immutable('data', n.data)]),
  Job: (n, o) => {
    const ns = specOf(n);
    const os = specOf(o);
    const causes = selectorImmutable(ns, os);
    if (!same(ns.template, os.template)) causes.push(immutable('spec.template', ns.template));
    for (const f of ['completions', 'completionMode']) if (!same(ns[f], os[f])) causes.push(immutable(`spec.${f}`, ns[f]));
    return causes;
  },
  Service: (n, o) => {
    const ns = specOf(n);
    const os = specOf(o);
    const oldIP = asStr(os.clusterIP);
    // Changing to or from ExternalName releases or allocates the IP, so it may change then.
    if (ns.type === 'ExternalName' || os.type === 'ExternalName' || !oldIP) return [];
    return ns.clusterIP === oldIP ? [] : [immutable('spec.clusterIP', ns.clusterIP ?? '')];
  },
  PersistentVolumeClaim: (n, o) => {
    const strip = (s: Obj) => {
      const c = without(s, ['volumeAttributesClassName']);
      const res = asObj(c.resources);
      if (res) c.resources = without(res, ['requests']);
      if (!asStr(asObj(o.spec)?.volumeName)) delete c.volumeName;
      return c;
    };
    return same(strip(specOf(n)), strip(specOf(o))) ? [] : [forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims')];
  },
  StorageClass: (n, o) => ['parameters', 'provisioner', 'reclaimPolicy', 'volumeBindingMode'].flatMap((f) => (same(n[f], o[f]) ? [] : [forbidden(f, 'updates to ' + f + ' are forbidden.')])),
  PersistentVolume: (n, o) => {
    const ns = specOf(n);
    const os = specOf(o);
    const causes: StatusCause[] = [];
    // A volume's source never changes; its capacity may (expansion), its claimRef is the binding.
    for (const f of Object.keys({ ...ns, ...os })) {
      if (['capacity', 'claimRef', 'persistentVolumeReclaimPolicy', 'storageClassName', 'mountOptions', 'accessModes', 'volumeAttributesClassName'].includes(f)) continue;
      if (f === 'nodeAffinity' && os.nodeAffinity === undefined) continue;
      if (!same(ns[f], os[f])) causes.push(forbidden(`spec.${f}`, 'spec.persistentvolumesource is immutable after creation'));
    }
    return causes;
  },
  ConfigMap: (n, o) => dataImmutable(n, o, ['data', 'binaryData']),
  Secret: (n, o) => {
    const causes = dataImmutable(n, o, ['data']);
    if ((o.type ?? 'Opaque') !== (n.type ?? 'Opaque')) causes.push(immutable('type', n.type));
    return causes;
  },
  EndpointSlice: (n, o) => (same(n.addressType, o.addressType) ? [] : [immutable('addressType', n.addressType)]),
  Node: (n, o) => {
    const oldCidr = asStr(specOf(o).podCIDR);
    if (oldCidr && specOf(n).podCIDR !== oldCidr) return [forbidden('spec.podCIDR', 'node updates may not change podCIDR except from "" to valid')];
    const oldCidrs = specOf(o).podCIDRs;
    if (Array.isArray(oldCidrs) && oldCidrs.length > 0 && !same(specOf(n).podCIDRs, oldCidrs)) return [forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid')];
    return [];
  },
};

function dataImmutable(n: KubeObject, o: KubeObject, fields: string[]): StatusCause[] {
  if (o.immutable !== true) return [];
  const causes: StatusCause[] = [];
  if (n.immutable !== true) causes.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) if (!same(n[f], o[f])) causes.push(forbidden(f, 'field is immutable when `immutable` is set'));
  return causes;
}

/** Immutable metadata and per-kind rules; `next` and `old` both carry server defaults. */
export function validateObjectUpdate(r: ResourceType, next: KubeObject, old: KubeObject, subresource?: 'status' | 'ephemeralcontainers'): StatusCause[] {
  const causes: StatusCause[] = [];
  const nm = next.metadata ?? {};
  const om = old.metadata ?? {};
  for (const f of ['name', 'namespace', 'uid', 'creationTimestamp'] as const) {
    if (om[f] !== undefined && nm[f] !== om[f]) causes.push(immutable(`metadata.${f}`, nm[f] ?? ''));
  }
  causes.push(...(RULES[r.kind]?.(next, old, subresource) ?? []));
  return causes;
}
