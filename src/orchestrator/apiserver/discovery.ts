import { SERVED_VERSIONS, type ResourceType } from '../api/resources.js';
import { METRICS_GROUP, METRICS_RESOURCES, METRICS_VERBS, METRICS_VERSION } from './metrics/metricsApi.js';
import { REVIEW_RESOURCES } from './authz/reviews.js';

/** What `/version` answers. kubectl's version dispatcher picks its binary by major/minor. */
export const VERSION_INFO = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-skiff',
  gitCommit: 'skiff',
  gitTreeState: 'clean',
  buildDate: '2026-11-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
};

export const AGGREGATED_CT = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

export function wantsAggregated(accept: string | undefined): boolean {
  return !!accept && accept.includes('as=APIGroupDiscoveryList') && accept.includes('v=v2');
}

/** Group -> version -> resources, preferred (stored) versions first, as served. */
function groups(): Map<string, Map<string, ResourceType[]>> {
  const m = new Map<string, Map<string, ResourceType[]>>();
  for (const r of SERVED_VERSIONS) {
    const versions = m.get(r.group) ?? new Map<string, ResourceType[]>();
    versions.set(r.version, [...(versions.get(r.version) ?? []), r]);
    m.set(r.group, versions);
  }
  return m;
}

const SUBRESOURCE_VERBS: Record<string, string[]> = {
  status: ['get', 'patch', 'update'],
  ephemeralcontainers: ['get', 'patch', 'update'],
  scale: ['get', 'patch', 'update'],
  log: ['get'],
  exec: ['create', 'get'],
  attach: ['create', 'get'],
  portforward: ['create', 'get'],
  binding: ['create'],
  proxy: ['create', 'delete', 'get', 'patch', 'update'],
  token: ['create'],
  shell: ['create', 'get'],
  eviction: ['create'],
};

/** Subresources served outside the resource table: `serviceaccounts/token` (TokenRequest). */
export function subresourcesOf(r: ResourceType): string[] {
  return r.resource === 'serviceaccounts' ? [...r.subresources, 'token'] : [...r.subresources];
}

function subresourceKind(r: ResourceType, sub: string): { group: string; version: string; kind: string } {
  if (sub === 'scale') return { group: 'autoscaling', version: 'v1', kind: 'Scale' };
  if (sub === 'binding') return { group: '', version: 'v1', kind: 'Binding' };
  if (sub === 'eviction') return { group: 'policy', version: 'v1', kind: 'Eviction' };
  if (sub === 'token') return { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' };
  if (sub === 'status' || sub === 'ephemeralcontainers') return { group: r.group, version: r.version, kind: r.kind };
  return { group: '', version: 'v1', kind: r.kind === 'Pod' ? 'PodProxyOptions' : 'Status' };
}

/** The review resources (not stored, create only) by API group. */
function reviewGroups(): Map<string, (typeof REVIEW_RESOURCES)[number][]> {
  const m = new Map<string, (typeof REVIEW_RESOURCES)[number][]>();
  for (const rr of REVIEW_RESOURCES) m.set(rr.group, [...(m.get(rr.group) ?? []), rr]);
  return m;
}

/** `/api` and `/apis` in the aggregated (v2) form kubectl 1.30+ asks for. */
export function aggregatedDiscovery(core: boolean) {
  const items = [];
  for (const [group, versions] of groups()) {
    if ((group === '') !== core) continue;
    items.push({
      metadata: { name: group, creationTimestamp: null },
      versions: [...versions].map(([version, rs]) => (
        {
          version,
          freshness: 'Current',
          resources: rs.map((r) => ({
            resource: r.resource,
            responseKind: { group: r.group, version: r.version, kind: r.kind },
            scope: r.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: r.singular,
            verbs: r.verbs,
            ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
            ...(r.all ? { categories: ['all'] } : {}),
            subresources: subresourcesOf(r).map((s) => ({
              subresource: s,
              responseKind: subresourceKind(r, s),
              verbs: SUBRESOURCE_VERBS[s] ?? ['get'],
            })),
          })),
        }
      )),
    });
  }
  if (!core) {
    for (const [group, rrs] of reviewGroups()) {
      items.push({
        metadata: { name: group, creationTimestamp: null },
        versions: [
          {
            version: 'v1',
            freshness: 'Current',
            resources: rrs.map((rr) => ({
              resource: rr.resource,
              responseKind: { group: rr.group, version: rr.version, kind: rr.kind },
              scope: rr.namespaced ? 'Namespaced' : 'Cluster',
              singularResource: rr.resource.replace(/s$/, ''),
              verbs: ['create'],
            })),
          },
        ],
      });
    }
  }
  if (!core) {
    items.push({
      metadata: { name: METRICS_GROUP, creationTimestamp: null },
      versions: [
        {
          version: METRICS_VERSION,
          freshness: 'Current',
          resources: METRICS_RESOURCES.map((r) => ({
            resource: r.resource,
            responseKind: { group: METRICS_GROUP, version: METRICS_VERSION, kind: r.kind },
            scope: r.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: r.singular,
            verbs: METRICS_VERBS,
          })),
        },
      ],
    });
  }
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}

export function legacyApiVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function legacyGroupList() {
  const out = [];
  for (const [group, versions] of groups()) {
    if (group === '') continue;
    const gvs = [...versions.keys()].map((version) => ({ groupVersion: `${group}/${version}`, version }));
    out.push({ name: group, versions: gvs, preferredVersion: gvs[0] as { groupVersion: string; version: string } });
  }
  for (const group of reviewGroups().keys()) {
    const gv = { groupVersion: `${group}/v1`, version: 'v1' };
    out.push({ name: group, versions: [gv], preferredVersion: gv });
  }
  const mgv = { groupVersion: `${METRICS_GROUP}/${METRICS_VERSION}`, version: METRICS_VERSION };
  out.push({ name: METRICS_GROUP, versions: [mgv], preferredVersion: mgv });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: out };
}

/** `/api/v1` or `/apis/<group>/<version>`; undefined when the group-version is not served. */
export function resourceList(group: string, version: string) {
  const rs = SERVED_VERSIONS.filter((r) => r.group === group && r.version === version);
  const reviews = REVIEW_RESOURCES.filter((r) => r.group === group && r.version === version);
  if (reviews.length) {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: `${group}/${version}`,
      resources: reviews.map((rr) => ({ name: rr.resource, singularName: rr.resource.replace(/s$/, ''), namespaced: rr.namespaced, kind: rr.kind, verbs: ['create'] })),
    };
  }
  if (group === METRICS_GROUP && version === METRICS_VERSION) {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: `${group}/${version}`,
      resources: METRICS_RESOURCES.map((r) => ({ name: r.resource, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: METRICS_VERBS })),
    };
  }
  if (rs.length === 0) return undefined;
  const resources = [];
  for (const r of rs) {
    resources.push({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.all ? { categories: ['all'] } : {}),
    });
    for (const s of subresourcesOf(r)) {
      const k = subresourceKind(r, s);
      resources.push({
        name: `${r.resource}/${s}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(k.group !== r.group ? { group: k.group, version: k.version } : {}),
        kind: k.kind,
        verbs: SUBRESOURCE_VERBS[s] ?? ['get'],
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}
