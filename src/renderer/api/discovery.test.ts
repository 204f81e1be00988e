import { describe, expect, it } from 'vitest';
import { KubeApi, type FetchFn } from './client.js';
import { discoverKinds, findKind, kindPath, parseAggregated, parseResourceList, sectionKinds, type ApiKind } from './discovery.js';

const aggregated = {
  kind: 'APIGroupDiscoveryList',
  apiVersion: 'apidiscovery.k8s.io/v2',
  items: [
    {
      metadata: { name: 'apps' },
      versions: [
        {
          version: 'v1',
          resources: [
            { resource: 'deployments', responseKind: { group: 'apps', version: 'v1', kind: 'Deployment' }, scope: 'Namespaced', verbs: ['get', 'list'], shortNames: ['deploy'], subresources: [{ subresource: 'scale' }, { subresource: 'status' }] },
            { resource: 'broken', scope: 'Namespaced', verbs: ['list'] },
          ],
        },
        { version: 'v1beta1', resources: [{ resource: 'old', responseKind: { kind: 'Old' }, verbs: ['list'] }] },
      ],
    },
    { metadata: { name: 'example.com' }, versions: [{ version: 'v1', resources: [{ resource: 'widgets', responseKind: { kind: 'Widget' }, scope: 'Cluster', verbs: ['list', 'get'] }] }] },
  ],
};

describe('discovery', () => {
  it('reads aggregated discovery: preferred version only, kindless entries dropped, subresources kept', () => {
    const kinds = parseAggregated(aggregated);
    expect(kinds).toEqual([
      { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', namespaced: true, verbs: ['get', 'list'], shortNames: ['deploy'], subresources: ['scale', 'status'] },
      { group: 'example.com', version: 'v1', kind: 'Widget', resource: 'widgets', namespaced: false, verbs: ['list', 'get'], shortNames: [], subresources: [] },
    ]);
  });

  it('reads a legacy resource list, folding pods/log into subresources', () => {
    const kinds = parseResourceList({
      kind: 'APIResourceList',
      groupVersion: 'v1',
      resources: [
        { name: 'pods', namespaced: true, kind: 'Pod', verbs: ['list'], shortNames: ['po'] },
        { name: 'pods/log', namespaced: true, kind: 'Pod', verbs: ['get'] },
        { name: 'pods/eviction', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
      ],
    });
    expect(kinds).toEqual([{ group: '', version: 'v1', kind: 'Pod', resource: 'pods', namespaced: true, verbs: ['list'], shortNames: ['po'], subresources: ['log', 'eviction'] }]);
  });

  it('falls back to legacy discovery when the server does not answer the aggregated form', async () => {
    const fetchFn: FetchFn = async (url) => {
      const body: Record<string, unknown> =
        url === '/k8s/api' ? { kind: 'APIVersions', versions: ['v1'] }
        : url === '/k8s/apis' ? { kind: 'APIGroupList', groups: [{ name: 'apps', preferredVersion: { groupVersion: 'apps/v1' } }] }
        : url === '/k8s/api/v1' ? { groupVersion: 'v1', resources: [{ name: 'pods', kind: 'Pod', namespaced: true, verbs: ['list'] }] }
        : { groupVersion: 'apps/v1', resources: [{ name: 'deployments', kind: 'Deployment', namespaced: true, verbs: ['list'] }] };
      return new Response(JSON.stringify(body));
    };
    const kinds = await discoverKinds(new KubeApi(fetchFn));
    expect(kinds.map((k) => `${k.group}/${k.resource}`)).toEqual(['/pods', 'apps/deployments']);
  });

  it('builds paths, finds kinds by apiVersion, and sections them (CRDs under Custom)', () => {
    const kinds = parseAggregated(aggregated);
    const deploy = kinds[0] as ApiKind;
    expect(kindPath(deploy, 'shop', 'web', 'scale')).toBe('/apis/apps/v1/namespaces/shop/deployments/web/scale');
    expect(kindPath(deploy)).toBe('/apis/apps/v1/deployments');
    expect(kindPath({ group: '', version: 'v1', resource: 'nodes', namespaced: false }, 'ignored', 'n1')).toBe('/api/v1/nodes/n1');
    expect(findKind(kinds, 'apps/v1', 'Deployment')).toBe(deploy);
    expect(findKind(kinds, 'v1', 'Deployment')).toBeUndefined();
    expect(sectionKinds(kinds).map((s) => [s.title, s.kinds.map((k) => k.kind)])).toEqual([
      ['Workloads', ['Deployment']],
      ['Custom', ['Widget']],
    ]);
  });
});
