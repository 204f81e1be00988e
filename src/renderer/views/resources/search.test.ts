import { describe, expect, it } from 'vitest';
import { builtinKinds } from '../../store/resourcesSlice.js';
import { searchEntry, searchResources } from './search.js';

const kind = (resource: string) => builtinKinds().find((k) => k.resource === resource)!;

describe('resource search', () => {
  const entries = [
    searchEntry(kind('deployments'), 'shop', 'web'),
    searchEntry(kind('pods'), 'shop', 'web-6b58-abc'),
    searchEntry(kind('services'), 'shop', 'web'),
    searchEntry(kind('configmaps'), 'shop', 'old-web-config'),
    searchEntry(kind('nodes'), undefined, 'worker-1'),
  ];
  it('ranks exact names, then prefixes, then anywhere; kinds by name or short name narrow it', () => {
    expect(searchResources(entries, 'web').map((r) => `${r.kind}/${r.name}`)).toEqual(['Deployment/web', 'Service/web', 'Pod/web-6b58-abc', 'ConfigMap/old-web-config']);
    expect(searchResources(entries, 'deploy web').map((r) => r.kind)).toEqual(['Deployment']);
    expect(searchResources(entries, 'po web').map((r) => r.name)).toEqual(['web-6b58-abc']);
    expect(searchResources(entries, 'shop/old').map((r) => r.name)).toEqual(['old-web-config']);
    expect(searchResources(entries, 'worker')[0]).toEqual({ group: '', version: 'v1', resource: 'nodes', kind: 'Node', namespaced: false, name: 'worker-1' });
    expect(searchResources(entries, '  ')).toEqual([]);
    expect(searchResources(entries, 'web', 2)).toHaveLength(2);
  });
});
