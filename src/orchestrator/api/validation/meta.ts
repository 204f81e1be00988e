import type { ResourceType } from '../resources.js';
import type { KubeObject, StatusCause } from '../types.js';
import { asArr, asObj, asStr, each, forbidden, invalid, required, tooLong } from './causes.js';
import { dns1035Label, dns1123Label, dns1123Subdomain, labelValue, qualifiedName } from './names.js';

const TOTAL_ANNOTATION_SIZE = 256 * 1024;

/** The name rule per kind (ValidateXName upstream); everything not listed is a DNS-1123 subdomain. */
const NAME_RULES: Record<string, (v: string) => string[]> = {
  Namespace: dns1123Label,
  Service: dns1035Label,
  Event: pathSegmentName,
  // RBAC names (ValidateRBACName) are path segments: `system:node`, `system:aggregate-to-admin`.
  Role: pathSegmentName,
  ClusterRole: pathSegmentName,
  RoleBinding: pathSegmentName,
  ClusterRoleBinding: pathSegmentName,
};

function pathSegmentName(v: string): string[] {
  if (v === '.' || v === '..') return [`may not be '${v}'`];
  return ['/', '%'].filter((c) => v.includes(c)).map((c) => `may not contain '${c}'`);
}

export function validateObjectMeta(r: ResourceType, obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const meta = asObj(obj.metadata);
  if (!meta) return [required('metadata')];
  const name = asStr(meta.name);
  if (!name) causes.push(required('metadata.name', 'name or generateName is required'));
  else causes.push(...each('metadata.name', name, (NAME_RULES[r.kind] ?? dns1123Subdomain)(name)));
  const ns = asStr(meta.namespace);
  if (r.namespaced) {
    if (ns) causes.push(...each('metadata.namespace', ns, dns1123Label(ns)));
  } else if (ns) causes.push(forbidden('metadata.namespace', 'not allowed on this type'));
  causes.push(...validateLabels('metadata.labels', meta.labels));
  causes.push(...validateAnnotations('metadata.annotations', meta.annotations));
  causes.push(...validateOwnerReferences(asArr(meta.ownerReferences)));
  asArr(meta.finalizers).forEach((f, i) => {
    if (typeof f === 'string') causes.push(...each(`metadata.finalizers[${i}]`, f, qualifiedName(f)));
  });
  return causes;
}

/** Label keys are qualified names, values label values; errors name the map (as upstream does). */
export function validateLabels(field: string, labels: unknown): StatusCause[] {
  const m = asObj(labels);
  if (!m) return [];
  const causes: StatusCause[] = [];
  for (const [k, v] of Object.entries(m)) {
    causes.push(...each(field, k, qualifiedName(k)));
    if (typeof v === 'string') causes.push(...each(field, v, labelValue(v)));
  }
  return causes;
}

export function validateAnnotations(field: string, annotations: unknown): StatusCause[] {
  const m = asObj(annotations);
  if (!m) return [];
  const causes: StatusCause[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(m)) {
    causes.push(...each(field, k, qualifiedName(k.toLowerCase())));
    size += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  }
  if (size > TOTAL_ANNOTATION_SIZE) causes.push(tooLong(field, TOTAL_ANNOTATION_SIZE));
  return causes;
}

function validateOwnerReferences(refs: unknown[]): StatusCause[] {
  const causes: StatusCause[] = [];
  const controllers: string[] = [];
  refs.forEach((ref) => {
    const o = asObj(ref);
    if (!o) return;
    if (o.uid === '') causes.push(invalid('metadata.ownerReferences.uid', '', 'uid must not be empty'));
    if (o.controller === true) controllers.push(`${String(o.kind)}/${String(o.name)}`);
  });
  if (controllers.length > 1) {
    causes.push(invalid('metadata.ownerReferences', refs, `Only one reference can have Controller set to true. Found "true" in references for ${controllers.join(' and ')}`));
  }
  return causes;
}
