/**
 * The kinds the API serves. One entry per resource; discovery, routing, the store's key layout, the
 * in-process client and the UI's watch client all read this table, so adding a kind is one line here
 * plus its validation and table columns.
 */

export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  /** Plural, lower-case: the URL segment and the store's key prefix. Unique across groups. */
  resource: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  /** In `kubectl get all`. */
  all: boolean;
  subresources: ('status' | 'scale' | 'log' | 'exec' | 'portforward' | 'attach' | 'binding' | 'proxy' | 'shell' | 'eviction' | 'ephemeralcontainers')[];
  /** Writes to the main resource leave `.status` alone; writes to `/status` change only `.status`. */
  hasStatus: boolean;
  verbs: string[];
  /**
   * Older versions also served, converted to and from `version` (the stored and preferred one) by
   * api/conversion.ts, as kube-apiserver serves autoscaling/v1 and v2 from one storage version.
   */
  otherVersions?: string[];
}

const RW = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

function def(r: Partial<ResourceType> & Pick<ResourceType, 'group' | 'version' | 'kind' | 'resource'>): ResourceType {
  return {
    singular: r.kind.toLowerCase(),
    namespaced: true,
    shortNames: [],
    all: false,
    subresources: [],
    hasStatus: true,
    verbs: RW,
    ...r,
  };
}

export const RESOURCES: readonly ResourceType[] = [
  def({ group: '', version: 'v1', kind: 'Namespace', resource: 'namespaces', namespaced: false, shortNames: ['ns'], subresources: ['status'] }),
  def({ group: '', version: 'v1', kind: 'Node', resource: 'nodes', namespaced: false, shortNames: ['no'], subresources: ['status', 'proxy'] }),
  def({ group: '', version: 'v1', kind: 'Pod', resource: 'pods', shortNames: ['po'], all: true, subresources: ['status', 'ephemeralcontainers', 'log', 'exec', 'portforward', 'attach', 'binding', 'eviction'] }),
  def({ group: '', version: 'v1', kind: 'Service', resource: 'services', shortNames: ['svc'], all: true, subresources: ['status', 'proxy'] }),
  def({ group: '', version: 'v1', kind: 'Endpoints', resource: 'endpoints', singular: 'endpoints', shortNames: ['ep'], hasStatus: false }),
  def({ group: '', version: 'v1', kind: 'Event', resource: 'events', shortNames: ['ev'], hasStatus: false }),
  def({ group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', shortNames: ['cm'], hasStatus: false }),
  def({ group: '', version: 'v1', kind: 'Secret', resource: 'secrets', hasStatus: false }),
  def({ group: '', version: 'v1', kind: 'ServiceAccount', resource: 'serviceaccounts', shortNames: ['sa'], hasStatus: false }),
  def({ group: '', version: 'v1', kind: 'PersistentVolumeClaim', resource: 'persistentvolumeclaims', shortNames: ['pvc'], subresources: ['status'] }),
  def({ group: '', version: 'v1', kind: 'PersistentVolume', resource: 'persistentvolumes', namespaced: false, shortNames: ['pv'], subresources: ['status'] }),
  def({ group: '', version: 'v1', kind: 'ReplicationController', resource: 'replicationcontrollers', shortNames: ['rc'], all: true, subresources: ['status', 'scale'] }),
  def({ group: '', version: 'v1', kind: 'LimitRange', resource: 'limitranges', shortNames: ['limits'], hasStatus: false }),
  def({ group: '', version: 'v1', kind: 'ResourceQuota', resource: 'resourcequotas', shortNames: ['quota'], subresources: ['status'] }),
  def({ group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', shortNames: ['deploy'], all: true, subresources: ['status', 'scale'] }),
  def({ group: 'apps', version: 'v1', kind: 'ReplicaSet', resource: 'replicasets', shortNames: ['rs'], all: true, subresources: ['status', 'scale'] }),
  def({ group: 'apps', version: 'v1', kind: 'DaemonSet', resource: 'daemonsets', shortNames: ['ds'], all: true, subresources: ['status'] }),
  def({ group: 'apps', version: 'v1', kind: 'StatefulSet', resource: 'statefulsets', shortNames: ['sts'], all: true, subresources: ['status', 'scale'] }),
  def({ group: 'apps', version: 'v1', kind: 'ControllerRevision', resource: 'controllerrevisions', hasStatus: false }),
  def({ group: 'autoscaling', version: 'v2', otherVersions: ['v1'], kind: 'HorizontalPodAutoscaler', resource: 'horizontalpodautoscalers', shortNames: ['hpa'], all: true, subresources: ['status'] }),
  def({ group: 'policy', version: 'v1', kind: 'PodDisruptionBudget', resource: 'poddisruptionbudgets', shortNames: ['pdb'], subresources: ['status'] }),
  def({ group: 'scheduling.k8s.io', version: 'v1', kind: 'PriorityClass', resource: 'priorityclasses', namespaced: false, shortNames: ['pc'], hasStatus: false }),
  def({ group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs', all: true, subresources: ['status'] }),
  def({ group: 'batch', version: 'v1', kind: 'CronJob', resource: 'cronjobs', shortNames: ['cj'], all: true, subresources: ['status'] }),
  def({ group: 'storage.k8s.io', version: 'v1', kind: 'StorageClass', resource: 'storageclasses', namespaced: false, shortNames: ['sc'], hasStatus: false }),
  def({ group: 'networking.k8s.io', version: 'v1', kind: 'Ingress', resource: 'ingresses', shortNames: ['ing'], subresources: ['status'] }),
  def({ group: 'networking.k8s.io', version: 'v1', kind: 'NetworkPolicy', resource: 'networkpolicies', shortNames: ['netpol'], hasStatus: false }),
  def({ group: 'networking.k8s.io', version: 'v1', kind: 'IngressClass', resource: 'ingressclasses', namespaced: false, hasStatus: false }),
  def({ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', resource: 'leases', hasStatus: false }),
  def({ group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', resource: 'endpointslices', hasStatus: false }),
  def({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', resource: 'roles', hasStatus: false }),
  def({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', resource: 'rolebindings', hasStatus: false }),
  def({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', resource: 'clusterroles', namespaced: false, hasStatus: false }),
  def({ group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding', resource: 'clusterrolebindings', namespaced: false, hasStatus: false }),
  // Skiff's own: a worker host reached over SSH (provision/ reconciles it into a Node).
  def({ group: 'skiff.dev', version: 'v1alpha1', kind: 'Host', resource: 'hosts', namespaced: false, subresources: ['status', 'shell'] }),
  // Skiff's own: NetworkPolicy peers resolved to pod IPs by the control plane, read by the nodes (api/addressGroup.ts).
  def({ group: 'networking.skiff.dev', version: 'v1alpha1', kind: 'AddressGroup', resource: 'addressgroups', hasStatus: false }),
];

const byResource = new Map(RESOURCES.map((r) => [r.resource, r]));
const byKind = new Map(RESOURCES.map((r) => [`${r.group}/${r.kind}`, r]));

export type ResourceName = string;

/** Looks a resource up by its plural name (`pods`). Throws for an unknown name: a programming error. */
export function resourceType(resource: ResourceName): ResourceType {
  const r = byResource.get(resource);
  if (!r) throw new Error(`unknown resource ${resource}`);
  return r;
}

/** The resource served at `group/version/resource`: its stored version's entry, also for an older served version. */
export function findResource(group: string, version: string, resource: string): ResourceType | undefined {
  const r = byResource.get(resource);
  return r && r.group === group && (r.version === version || r.otherVersions?.includes(version)) ? r : undefined;
}

/**
 * Every served group-version-resource: each entry of {@link RESOURCES}, then one copy per older
 * version with `version` set to it (for discovery and OpenAPI, which list each version).
 */
export const SERVED_VERSIONS: readonly ResourceType[] = RESOURCES.flatMap((r) => [r, ...(r.otherVersions ?? []).map((v) => ({ ...r, version: v, otherVersions: [] }))]);

/** By `apiVersion` + `kind`, as written in a manifest. */
export function resourceForKind(apiVersion: string, kind: string): ResourceType | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const r = byKind.get(`${group}/${kind}`);
  return r && r.version === version ? r : undefined;
}

export function apiVersionOf(r: ResourceType): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** The URL path of a collection or an object, e.g. `/apis/apps/v1/namespaces/default/deployments/web`. */
export function resourcePath(r: ResourceType, namespace?: string, name?: string, subresource?: string): string {
  let p = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  if (r.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${r.resource}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

/** `namespace/name` for namespaced objects, `name` for cluster-scoped ones: the informer and queue key. */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export function splitKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
