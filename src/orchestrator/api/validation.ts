import { ApiError } from './errors.js';
import type { ResourceType } from './resources.js';
import { schemaFor } from './schema/index.js';
import type { KubeObject, StatusCause } from './types.js';
import { required as requiredCause } from './validation/causes.js';
import { validateHorizontalPodAutoscaler } from './validation/autoscaling.js';
import { validateObjectMeta } from './validation/meta.js';
import { validatePodDisruptionBudget, validatePriorityClass } from './validation/policy.js';
import { validateConfigMap, validateEvent, validateHost, validateLease, validateNamespace, validateNode, validatePersistentVolume, validatePersistentVolumeClaim, validateSecret, validateStorageClass } from './validation/misc.js';
import { validateNetworkPolicy } from './validation/networkPolicy.js';
import { validateEndpointSlice, validateEndpoints, validateIngress, validateIngressClass, validateService } from './validation/network.js';
import { validatePodSpec } from './validation/pod.js';
import { validateClusterRole, validateClusterRoleBinding, validateRole, validateRoleBinding } from './validation/rbac.js';
import { checkSchema, type SchemaReport } from './validation/schemaCheck.js';
import { validateObjectUpdate } from './validation/update.js';
import { validateCronJob, validateReplicationController } from './validation/batch.js';
import { validateDaemonSet, validateDeployment, validateJob, validateReplicaSet, validateStatefulSet } from './validation/workloads.js';
import { validateLimitRange } from './limitRange.js';
import { validateResourceQuota } from './resourceQuota.js';

export interface ValidateOptions {
  /** `fieldValidation=Strict`: unknown fields are errors. */
  strict: boolean;
  /**
   * A status write: the schema walk checks only `status`, as kube-apiserver validates only what a
   * status update may change; everything else is the stored object's, checked when it was written.
   */
  part?: 'status';
}

const KIND_RULES: Record<string, (obj: KubeObject) => StatusCause[]> = {
  Pod: (o) => validatePodSpec((o.spec as Record<string, unknown> | undefined) ?? {}, 'spec'),
  Deployment: validateDeployment,
  ReplicaSet: validateReplicaSet,
  DaemonSet: validateDaemonSet,
  StatefulSet: validateStatefulSet,
  Job: validateJob,
  CronJob: validateCronJob,
  ReplicationController: validateReplicationController,
  HorizontalPodAutoscaler: validateHorizontalPodAutoscaler,
  PodDisruptionBudget: validatePodDisruptionBudget,
  PriorityClass: validatePriorityClass,
  LimitRange: validateLimitRange,
  ResourceQuota: validateResourceQuota,
  Service: validateService,
  Endpoints: validateEndpoints,
  EndpointSlice: validateEndpointSlice,
  Ingress: validateIngress,
  NetworkPolicy: validateNetworkPolicy,
  IngressClass: validateIngressClass,
  ConfigMap: validateConfigMap,
  Secret: validateSecret,
  PersistentVolumeClaim: validatePersistentVolumeClaim,
  PersistentVolume: validatePersistentVolume,
  StorageClass: validateStorageClass,
  Node: validateNode,
  Event: validateEvent,
  Lease: validateLease,
  Namespace: validateNamespace,
  Host: validateHost,
  Role: validateRole,
  ClusterRole: validateClusterRole,
  RoleBinding: validateRoleBinding,
  ClusterRoleBinding: validateClusterRoleBinding,
};

function report(r: ResourceType, obj: KubeObject, part?: 'status'): SchemaReport {
  const s = schemaFor(r);
  return s ? checkSchema(s, obj, { part }) : { unknown: [], decode: [], required: [] };
}

/**
 * Validates an object about to be stored (after defaults). Returns one cause per failing field,
 * empty when valid: values of the wrong type, missing required fields, names and label syntax,
 * and the per-kind rules of the real API server, with its field paths and messages.
 *
 * With `strict`, unknown fields are causes too (`unknown field "spec.foo"`). The real server answers
 * those, and wrong types, with a 400 before validation: callers that want that exact answer call
 * {@link decodeError} first; `validate` still reports them so nothing slips through without it.
 */
export function validate(r: ResourceType, obj: KubeObject, opts: ValidateOptions): StatusCause[] {
  const rep = report(r, obj, opts.part);
  const causes: StatusCause[] = [];
  for (const d of rep.decode) causes.push({ reason: 'FieldValueTypeInvalid', message: d.detail, field: d.field });
  if (opts.strict) for (const u of rep.unknown) causes.push({ reason: 'FieldValueInvalid', message: `unknown field "${u}"`, field: u });
  for (const f of rep.required) causes.push(requiredCause(f));
  causes.push(...validateObjectMeta(r, obj));
  causes.push(...(KIND_RULES[r.kind]?.(obj) ?? []));
  return dedupe(causes);
}

/** Checks what may not change between `old` and `next` (immutable fields). Both carry defaults. */
/** Checks an update against the stored object; `subresource`: the part of the object the write may change. */
export function validateUpdate(r: ResourceType, next: KubeObject, old: KubeObject, subresource?: 'status' | 'ephemeralcontainers'): StatusCause[] {
  return validateObjectUpdate(r, next, old, subresource);
}

/** Paths of the fields of `obj` its kind's schema does not know, e.g. `spec.containers[0].imagee`. */
export function unknownFields(r: ResourceType, obj: KubeObject): string[] {
  return report(r, obj).unknown;
}

/**
 * Removes unknown fields in place, as the real server's decoder drops them under
 * `fieldValidation=Ignore|Warn`; returns their paths (for `Warning: unknown field "x"` headers).
 */
export function pruneUnknownFields(r: ResourceType, obj: KubeObject): string[] {
  const s = schemaFor(r);
  return s ? checkSchema(s, obj, { prune: true }).unknown : [];
}

export interface DecodeOptions {
  strict: boolean;
  /** PATCH bodies are refused with a 422 naming the `patch` field instead of a 400. */
  patch?: unknown;
  /** A status write: only `status` comes from the request (see ValidateOptions.part). */
  part?: 'status';
}

/**
 * The error the real API server's decoder answers for this body, or undefined when it decodes:
 * a value of the wrong type (always), or unknown fields (under `strict`). For POST/PUT it is
 * `400 BadRequest: Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown
 * field "spec.foo"`; for PATCH (pass `patch`) a `422 Invalid` on field `patch`, as upstream.
 */
export function decodeError(r: ResourceType, obj: KubeObject, opts: DecodeOptions): ApiError | undefined {
  return errorOf(r, report(r, obj), opts);
}

/**
 * What the decoder does to a body, in one walk: the error it would answer ({@link decodeError}),
 * or undefined once `obj` is normalized in place: nulls as Go reads them (see CheckOptions.nulls
 * in schemaCheck.ts), unknown fields dropped unless `strict` (which refuses them). On an error
 * `obj` may be half normalized: it is refused anyway.
 */
export function decodeBody(r: ResourceType, obj: KubeObject, opts: DecodeOptions): ApiError | undefined {
  const s = schemaFor(r);
  if (!s) return undefined;
  return errorOf(r, checkSchema(s, obj, { prune: !opts.strict, nulls: true, part: opts.part }), opts);
}

function errorOf(r: ResourceType, rep: SchemaReport, opts: DecodeOptions): ApiError | undefined {
  let err: string | undefined;
  if (rep.decode.length > 0) err = rep.decode[0]?.message;
  else if (opts.strict && rep.unknown.length > 0) err = `strict decoding error: ${rep.unknown.map((u) => `unknown field "${u}"`).join(', ')}`;
  if (err === undefined) return undefined;
  if (opts.patch !== undefined) {
    const value = JSON.stringify(goValue(opts.patch));
    const cause = { reason: 'FieldValueInvalid', message: `Invalid value: ${value}: ${err}`, field: 'patch' };
    return new ApiError(422, 'Invalid', ` "" is invalid: patch: Invalid value: ${value}: ${err}`, { causes: [cause] });
  }
  return new ApiError(400, 'BadRequest', `${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}: ${err}`);
}

/** Go's `%+v` of a decoded JSON value (`map[spec:map[replicas:3]]`), as upstream quotes a patch. */
function goValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o)
      .sort()
      .map((k) => `${k}:${goValue(o[k])}`)
      .join(' ')}]`;
  }
  if (v === null) return '<nil>';
  return String(v);
}

function dedupe(causes: StatusCause[]): StatusCause[] {
  const seen = new Set<string>();
  return causes.filter((c) => {
    const k = `${c.field}\u0000${c.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
