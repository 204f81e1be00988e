import type { KubeApi } from './client.js';
import { isRecord } from './guards.js';

/**
 * One kind the server serves, as its discovery says (not the UI's own table): CRDs and kinds added
 * to the server later appear without a UI change.
 */
export interface ApiKind {
  group: string;
  version: string;
  kind: string;
  /** Plural, the URL segment. */
  resource: string;
  namespaced: boolean;
  verbs: readonly string[];
  shortNames: readonly string[];
  subresources: readonly string[];
}

/** What a kind is known by in the UI: `apps/deployments`, `/pods` for the core group. */
export function kindKey(k: Pick<ApiKind, 'group' | 'resource'>): string {
  return `${k.group}/${k.resource}`;
}

export function apiVersionOfKind(k: Pick<ApiKind, 'group' | 'version'>): string {
  return k.group ? `${k.group}/${k.version}` : k.version;
}

/** The URL path of a kind's collection, an object or its subresource (the server's layout). */
export function kindPath(k: Pick<ApiKind, 'group' | 'version' | 'resource' | 'namespaced'>, namespace?: string, name?: string, subresource?: string): string {
  let p = k.group ? `/apis/${k.group}/${k.version}` : `/api/${k.version}`;
  if (k.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${k.resource}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}

const AGGREGATED = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json';

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/**
 * Parses an aggregated discovery document (`APIGroupDiscoveryList`, what kubectl 1.30+ reads) into
 * kinds, taking each group's first (preferred) version. Entries without a kind are dropped, as
 * kubectl drops them.
 */
export function parseAggregated(doc: unknown): ApiKind[] {
  if (!isRecord(doc) || !Array.isArray(doc.items)) return [];
  const out: ApiKind[] = [];
  for (const item of doc.items) {
    if (!isRecord(item) || !Array.isArray(item.versions)) continue;
    const group = isRecord(item.metadata) ? str(item.metadata.name) : '';
    const v = item.versions[0];
    if (!isRecord(v) || !Array.isArray(v.resources)) continue;
    const version = str(v.version);
    for (const r of v.resources) {
      if (!isRecord(r)) continue;
      const rk = isRecord(r.responseKind) ? r.responseKind : {};
      const kind = str(rk.kind);
      if (!kind || !str(r.resource)) continue;
      out.push({
        group,
        version,
        kind,
        resource: str(r.resource),
        namespaced: r.scope === 'Namespaced',
        verbs: strs(r.verbs),
        shortNames: strs(r.shortNames),
        subresources: Array.isArray(r.subresources) ? r.subresources.filter(isRecord).map((s) => str(s.subresource)).filter(Boolean) : [],
      });
    }
  }
  return out;
}

/** Parses one legacy `APIResourceList` (`/api/v1`, `/apis/g/v`): `pods/log` entries become subresources. */
export function parseResourceList(doc: unknown): ApiKind[] {
  if (!isRecord(doc) || !Array.isArray(doc.resources)) return [];
  const gv = str(doc.groupVersion);
  const slash = gv.indexOf('/');
  const group = slash < 0 ? '' : gv.slice(0, slash);
  const version = slash < 0 ? gv : gv.slice(slash + 1);
  const byName = new Map<string, ApiKind>();
  const subs: [string, string][] = [];
  for (const r of doc.resources) {
    if (!isRecord(r)) continue;
    const name = str(r.name);
    const i = name.indexOf('/');
    if (i >= 0) {
      subs.push([name.slice(0, i), name.slice(i + 1)]);
      continue;
    }
    if (!name || !str(r.kind)) continue;
    byName.set(name, { group, version, kind: str(r.kind), resource: name, namespaced: r.namespaced === true, verbs: strs(r.verbs), shortNames: strs(r.shortNames), subresources: [] });
  }
  for (const [name, sub] of subs) {
    const k = byName.get(name);
    if (k) byName.set(name, { ...k, subresources: [...k.subresources, sub] });
  }
  return [...byName.values()];
}

async function legacy(api: KubeApi): Promise<ApiKind[]> {
  const out = parseResourceList(await api.json('GET', '/api/v1'));
  const groups = await api.json('GET', '/apis');
  if (!isRecord(groups) || !Array.isArray(groups.groups)) return out;
  for (const g of groups.groups) {
    const pref = isRecord(g) && isRecord(g.preferredVersion) ? str(g.preferredVersion.groupVersion) : '';
    if (pref) out.push(...parseResourceList(await api.json('GET', `/apis/${pref}`)));
  }
  return out;
}

/**
 * Every kind the server serves: aggregated discovery of `/api` and `/apis`, or the legacy documents
 * when the server answers without the aggregated form.
 */
export async function discoverKinds(api: KubeApi): Promise<ApiKind[]> {
  const [core, groups] = await Promise.all([api.json('GET', '/api', { accept: AGGREGATED }), api.json('GET', '/apis', { accept: AGGREGATED })]);
  const isAgg = (d: unknown) => isRecord(d) && d.kind === 'APIGroupDiscoveryList';
  if (isAgg(core) && isAgg(groups)) return [...parseAggregated(core), ...parseAggregated(groups)];
  return legacy(api);
}

/** The sidebar's sections, in order; kinds not named here go to "Custom" (CRDs) or "Other". */
export const SECTIONS: readonly { title: string; kinds: readonly string[] }[] = [
  { title: 'Workloads', kinds: ['Pod', 'Deployment', 'ReplicaSet', 'ReplicationController', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'] },
  { title: 'Network', kinds: ['Service', 'Endpoints', 'EndpointSlice', 'Ingress', 'IngressClass', 'NetworkPolicy', 'AddressGroup'] },
  { title: 'Config', kinds: ['ConfigMap', 'Secret', 'ResourceQuota', 'LimitRange', 'PriorityClass', 'RuntimeClass'] },
  { title: 'Storage', kinds: ['PersistentVolumeClaim', 'PersistentVolume', 'StorageClass', 'VolumeAttachment', 'CSIDriver'] },
  { title: 'Access', kinds: ['ServiceAccount', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'] },
  { title: 'Cluster', kinds: ['Node', 'Host', 'Namespace', 'Event', 'Lease', 'CustomResourceDefinition', 'APIService'] },
];

/** Groups listable kinds into the sidebar's sections (each section's order kept; unknown kinds by name). */
export function sectionKinds(kinds: readonly ApiKind[]): { title: string; kinds: ApiKind[] }[] {
  const listable = kinds.filter((k) => k.verbs.includes('list'));
  // events.k8s.io Events duplicate core Events: show the core one.
  const seen = new Set<string>();
  const uniq = listable.filter((k) => {
    const id = k.kind === 'Event' ? 'Event' : kindKey(k);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  const out: { title: string; kinds: ApiKind[] }[] = [];
  const placed = new Set<ApiKind>();
  for (const s of SECTIONS) {
    const ks = s.kinds.flatMap((name) => uniq.filter((k) => k.kind === name));
    ks.forEach((k) => placed.add(k));
    if (ks.length) out.push({ title: s.title, kinds: ks });
  }
  const rest = uniq.filter((k) => !placed.has(k)).sort((a, b) => a.kind.localeCompare(b.kind));
  if (rest.length) out.push({ title: 'Custom', kinds: rest });
  return out;
}

/** Finds a kind by `apiVersion` and `kind`, as written in a manifest or an ownerReference. */
export function findKind(kinds: readonly ApiKind[], apiVersion: string, kind: string): ApiKind | undefined {
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  return kinds.find((k) => k.kind === kind && k.group === group) ;
}
