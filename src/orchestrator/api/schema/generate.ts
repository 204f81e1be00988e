/**
 * Build-time generator of `definitions.json`: OpenAPI v3 component schemas for every kind Skiff
 * serves, derived from the generated models of `@kubernetes/client-node` (a dev dependency; the
 * runtime never loads it). Each model's `attributeTypeMap` (in its .js) gives field names, types and
 * formats; its .d.ts gives descriptions and which fields are required. Only types reachable from our
 * kinds are kept. Patch strategies come from `patchMeta.ts`, Skiff's own `Host` from `hostSchema.ts`.
 *
 *   npx tsx src/orchestrator/api/schema/generate.ts
 *
 * Run it again after changing `patchMeta.ts`, `hostSchema.ts` or the client-node version.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PATCH_META } from './patchMeta.js';
import { REF_PREFIX, type Definitions, type SchemaObject } from './types.js';

interface Attr {
  name: string;
  baseName: string;
  type: string;
  format: string;
}
interface Model {
  description?: string;
  attrs: Attr[];
  fieldDocs: Map<string, string>;
  required: Set<string>;
}

// The package is CommonJS (no "type": "module"), so __dirname and require are there.
const here = __dirname;
const modelsDir = join(dirname(require.resolve('@kubernetes/client-node/package.json')), 'dist/gen/models');

/** Kinds in group order: a shared type is named in the package of the first group reaching it. */
const ROOTS: { model: string; group: string; version: string; kind: string }[] = [
  ...['Namespace', 'Node', 'Pod', 'Service', 'Endpoints', 'ConfigMap', 'Secret', 'ServiceAccount', 'PersistentVolumeClaim', 'PersistentVolume', 'Binding', 'ReplicationController', 'LimitRange', 'ResourceQuota'].map((k) => ({
    model: `V1${k}`,
    group: '',
    version: 'v1',
    kind: k,
  })),
  { model: 'CoreV1Event', group: '', version: 'v1', kind: 'Event' },
  ...['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'ControllerRevision'].map((k) => ({ model: `V1${k}`, group: 'apps', version: 'v1', kind: k })),
  { model: 'V1Scale', group: 'autoscaling', version: 'v1', kind: 'Scale' },
  { model: 'V2HorizontalPodAutoscaler', group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler' },
  { model: 'V1HorizontalPodAutoscaler', group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler' },
  { model: 'V1Job', group: 'batch', version: 'v1', kind: 'Job' },
  { model: 'V1CronJob', group: 'batch', version: 'v1', kind: 'CronJob' },
  { model: 'V1PodDisruptionBudget', group: 'policy', version: 'v1', kind: 'PodDisruptionBudget' },
  { model: 'V1Eviction', group: 'policy', version: 'v1', kind: 'Eviction' },
  { model: 'V1PriorityClass', group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass' },
  { model: 'V1StorageClass', group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass' },
  { model: 'V1Ingress', group: 'networking.k8s.io', version: 'v1', kind: 'Ingress' },
  { model: 'V1NetworkPolicy', group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy' },
  { model: 'V1IngressClass', group: 'networking.k8s.io', version: 'v1', kind: 'IngressClass' },
  { model: 'V1Lease', group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' },
  { model: 'V1EndpointSlice', group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice' },
  ...['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].map((k) => ({ model: `V1${k}`, group: 'rbac.authorization.k8s.io', version: 'v1', kind: k })),
  // Not kinds, but bodies and answers the OpenAPI paths name.
  { model: 'V1Status', group: 'meta', version: 'v1', kind: '' },
  { model: 'V1DeleteOptions', group: 'meta', version: 'v1', kind: '' },
];

const META_TYPES = new Set([
  'V1ObjectMeta', 'V1ListMeta', 'V1LabelSelector', 'V1LabelSelectorRequirement', 'V1OwnerReference', 'V1ManagedFieldsEntry',
  'V1Condition', 'V1Status', 'V1StatusDetails', 'V1StatusCause', 'V1DeleteOptions', 'V1Preconditions',
]);

/** Core types first reached from another group's kind. */
const CORE_TYPES = new Set(['V1PodTemplateSpec', 'V1TopologySelectorTerm', 'V1TopologySelectorLabelRequirement']);

/** Fields whose values are `resource.Quantity` (client-node types them as plain strings). */
const QUANTITY_FIELDS = new Set([
  'V1ResourceRequirements.limits', 'V1ResourceRequirements.requests', 'V1VolumeResourceRequirements.limits',
  'V1VolumeResourceRequirements.requests', 'V1NodeStatus.capacity', 'V1NodeStatus.allocatable', 'V1PersistentVolumeSpec.capacity',
  'V1PersistentVolumeClaimStatus.capacity', 'V1PersistentVolumeClaimStatus.allocatedResources', 'V1ContainerStatus.allocatedResources',
  'V1PodSpec.overhead', 'V1EmptyDirVolumeSource.sizeLimit', 'V1ResourceFieldSelector.divisor',
  'V2MetricTarget.value', 'V2MetricTarget.averageValue', 'V2MetricValueStatus.value', 'V2MetricValueStatus.averageValue',
]);

const GROUP_PACKAGE: Record<string, string> = {
  '': 'io.k8s.api.core.v1',
  apps: 'io.k8s.api.apps.v1',
  autoscaling: 'io.k8s.api.autoscaling.v1',
  batch: 'io.k8s.api.batch.v1',
  'networking.k8s.io': 'io.k8s.api.networking.v1',
  'coordination.k8s.io': 'io.k8s.api.coordination.v1',
  'discovery.k8s.io': 'io.k8s.api.discovery.v1',
  'rbac.authorization.k8s.io': 'io.k8s.api.rbac.v1',
  policy: 'io.k8s.api.policy.v1',
  'scheduling.k8s.io': 'io.k8s.api.scheduling.v1',
  'storage.k8s.io': 'io.k8s.api.storage.v1',
  meta: 'io.k8s.apimachinery.pkg.apis.meta.v1',
};

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';
/** `any` fields that are a runtime.RawExtension upstream (the rest of client-node's `any` are FieldsV1). */
const RAW_EXTENSION_FIELDS = new Set(['V1ControllerRevision.data']);
const SCALARS: Definitions = {
  [`${META}.Time`]: {
    description: 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.  Wrappers are provided for many of the factory methods that the time package offers.',
    type: 'string',
    format: 'date-time',
  },
  [`${META}.MicroTime`]: { description: 'MicroTime is version of Time with microsecond level precision.', type: 'string', format: 'date-time' },
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': {
    description: 'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
    // OpenAPI v3 as kube-openapi writes it (OpenAPIV3OneOfTypes): no `type`, so explain names the type.
    format: 'int-or-string',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
  },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': {
    description: 'Quantity is a fixed-point representation of a number, e.g. `100m`, `1.5Gi`, `2`. Serialized as a string; numbers are accepted.',
    oneOf: [{ type: 'string' }, { type: 'number' }],
  },
  [`${META}.FieldsV1`]: { description: 'FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.', type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  [`${META}.Patch`]: { description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.', type: 'object' },
  [RAW_EXTENSION]: {
    description: 'RawExtension is used to hold extensions in external versions: any JSON value, stored and returned as sent.',
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
  },
};

function loadModel(name: string): Model {
  const js = readFileSync(join(modelsDir, `${name}.js`), 'utf8');
  const m = new RegExp(`${name}\\.attributeTypeMap = (\\[[\\s\\S]*?\\]);`).exec(js);
  if (!m?.[1]) throw new Error(`no attributeTypeMap in ${name}`);
  const attrs = JSON.parse(m[1]) as Attr[];
  const dts = readFileSync(join(modelsDir, `${name}.d.ts`), 'utf8');
  const classAt = dts.indexOf('export declare class');
  const head = dts.slice(0, classAt);
  const body = dts.slice(classAt);
  const docs = [...head.matchAll(/\/\*\*([\s\S]*?)\*\//g)];
  const classDoc = docs.length > 1 ? cleanDoc(docs[docs.length - 1]?.[1] ?? '') : undefined;
  const fieldDocs = new Map<string, string>();
  for (const d of body.matchAll(/\/\*\*([\s\S]*?)\*\/\s*'([^']+)'\??:/g)) fieldDocs.set(d[2] as string, cleanDoc(d[1] as string));
  const required = new Set<string>();
  for (const p of body.matchAll(/^\s*'([^']+)'(\??):/gm)) if (p[2] === '') required.add(p[1] as string);
  return { description: classDoc, attrs, fieldDocs, required };
}

function cleanDoc(raw: string): string {
  return raw
    .split('\n')
    .map((l) => l.replace(/^\s*\*\s?/, ''))
    .join('\n')
    .trim()
    .replace(/\\(['"])/g, '$1');
}

/** client-node model name -> OpenAPI definition name; assigned while walking from the roots. */
const names = new Map<string, string>();
const models = new Map<string, Model>();

function shortName(model: string): string {
  return model.replace(/^(CoreV1|DiscoveryV1|RbacV1|V1|V2)/, '');
}

function visit(model: string, pkg: string): void {
  if (names.has(model)) return;
  const home = META_TYPES.has(model) ? META : CORE_TYPES.has(model) ? GROUP_PACKAGE[''] : pkg;
  names.set(model, `${home}.${shortName(model)}`);
  const m = loadModel(model);
  models.set(model, m);
  for (const a of m.attrs) for (const ref of referencedModels(a.type)) visit(ref, pkg);
}

function referencedModels(type: string): string[] {
  return [...type.matchAll(/\b((?:V1|V2|CoreV1|DiscoveryV1|RbacV1)[A-Za-z0-9]+)\b/g)].map((x) => x[1] as string).filter((x) => x !== 'V1MicroTime');
}

function ref(name: string, description?: string): SchemaObject {
  return description ? { allOf: [{ $ref: REF_PREFIX + name }], description } : { $ref: REF_PREFIX + name };
}

function typeSchema(type: string, format: string, quantity: boolean): SchemaObject {
  const arr = /^Array<(.+)>$/.exec(type);
  if (arr) return { type: 'array', items: typeSchema(arr[1] as string, format, quantity) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return { type: 'object', additionalProperties: typeSchema(map[1] as string, format, quantity) };
  if (quantity) return ref('io.k8s.apimachinery.pkg.api.resource.Quantity');
  switch (type) {
    case 'string':
      return format === 'byte' ? { type: 'string', format: 'byte' } : { type: 'string' };
    case 'number':
      return format === 'double' ? { type: 'number', format: 'double' } : { type: 'integer', format: format || 'int32' };
    case 'boolean':
      return { type: 'boolean' };
    case 'Date':
    case 'V1MicroTime':
      return ref(format === 'date-time-micro' ? `${META}.MicroTime` : `${META}.Time`);
    case 'IntOrString':
      return ref('io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    case 'any':
      return ref(`${META}.FieldsV1`);
  }
  const n = names.get(type);
  if (!n) throw new Error(`unknown type ${type}`);
  return ref(n);
}

function build(model: string, m: Model, gvk?: { group: string; version: string; kind: string }): SchemaObject {
  const properties: Record<string, SchemaObject> = {};
  for (const a of m.attrs) {
    const key = `${model}.${a.baseName}`;
    let s = RAW_EXTENSION_FIELDS.has(key) ? ref(RAW_EXTENSION) : typeSchema(a.type, a.format, QUANTITY_FIELDS.has(key));
    const doc = m.fieldDocs.get(a.baseName);
    if (doc) s = s.$ref ? { allOf: [s], description: doc } : { ...s, description: doc };
    const pm = PATCH_META[key];
    if (pm) {
      s['x-kubernetes-patch-strategy'] = pm.strategy;
      if (pm.mergeKey) s['x-kubernetes-patch-merge-key'] = pm.mergeKey;
      if (pm.listType) s['x-kubernetes-list-type'] = pm.listType;
      if (pm.listMapKeys) s['x-kubernetes-list-map-keys'] = pm.listMapKeys;
    }
    properties[a.baseName] = s;
  }
  const out: SchemaObject = { description: m.description, type: 'object', properties };
  const req = m.attrs.map((a) => a.baseName).filter((n) => m.required.has(n));
  if (req.length) out.required = req;
  if (gvk?.kind) out['x-kubernetes-group-version-kind'] = [{ group: gvk.group, version: gvk.version, kind: gvk.kind }];
  return out;
}

function main(): void {
  // A group's package names its version (`io.k8s.api.autoscaling.v2`): one package per group-version.
  for (const r of ROOTS) visit(r.model, (GROUP_PACKAGE[r.group] as string).replace(/\.v1$/, `.${r.version}`));
  const defs: Definitions = { ...SCALARS };
  const rootOf = new Map(ROOTS.map((r) => [r.model, r]));
  for (const [model, m] of models) defs[names.get(model) as string] = build(model, m, rootOf.get(model));
  const sorted = Object.fromEntries(Object.entries(defs).sort(([a], [b]) => a.localeCompare(b)));
  const file = join(here, 'definitions.json');
  writeFileSync(file, JSON.stringify(sorted) + '\n');
  process.stdout.write(`${Object.keys(sorted).length} definitions, ${JSON.stringify(sorted).length} bytes -> ${file}\n`);
}

main();
