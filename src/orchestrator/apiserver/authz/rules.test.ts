import { describe, expect, it } from 'vitest';
import { compactRules, compactString, covers, ruleAllows } from './rules.js';
import type { Attributes, PolicyRule } from './types.js';

const u = { user: 'u', groups: [] };
const res = (verb: string, group: string, resource: string, subresource?: string, name?: string): Attributes => ({ user: u, verb, resourceRequest: true, apiGroup: group, resource, subresource, name });
const path = (verb: string, p: string): Attributes => ({ user: u, verb, resourceRequest: false, path: p });

// After Kubernetes' plugin/pkg/auth/authorizer/rbac/rbac_test.go (TestRuleMatches) and the evaluation helpers.
const MATCHES: [string, PolicyRule, Attributes, boolean][] = [
  ['star verb, exact match other', { verbs: ['*'], apiGroups: ['group1'], resources: ['resource1'] }, res('verb1', 'group1', 'resource1'), true],
  ['star verb, other group', { verbs: ['*'], apiGroups: ['group1'], resources: ['resource1'] }, res('verb1', 'group2', 'resource1'), false],
  ['star group, exact match other', { verbs: ['verb1'], apiGroups: ['*'], resources: ['resource1'] }, res('verb1', 'group2', 'resource1'), true],
  ['star resource, exact match other', { verbs: ['verb1'], apiGroups: ['group1'], resources: ['*'] }, res('verb1', 'group1', 'resource2'), true],
  ['tuple expansion', { verbs: ['verb1', 'verb2'], apiGroups: ['group1', 'group2'], resources: ['resource1', 'resource2'] }, res('verb2', 'group2', 'resource2'), true],
  ['subresource needs its own entry', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('get', '', 'pods', 'log'), false],
  ['exact subresource', { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, res('get', '', 'pods', 'log'), true],
  ['star/subresource', { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }, res('get', 'apps', 'deployments', 'scale'), true],
  ['star/subresource is not the main resource', { verbs: ['get'], apiGroups: ['*'], resources: ['*/scale'] }, res('get', 'apps', 'deployments'), false],
  ['resource/star matches nothing more than itself', { verbs: ['get'], apiGroups: [''], resources: ['pods/*'] }, res('get', '', 'pods', 'log'), false],
  ['star matches subresources', { verbs: ['get'], apiGroups: [''], resources: ['*'] }, res('get', '', 'pods', 'exec'), true],
  ['resourceNames match', { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }, res('get', '', 'secrets', undefined, 'a'), true],
  ['resourceNames exclude', { verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }, res('get', '', 'secrets', undefined, 'b'), false],
  ['resourceNames exclude a list', { verbs: ['list'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }, res('list', '', 'secrets'), false],
  ['star nonresource, exact match other', { verbs: ['verb1'], nonResourceURLs: ['*'] }, path('verb1', '/foo'), true],
  ['star nonresource subpath', { verbs: ['verb1'], nonResourceURLs: ['/foo/*'] }, path('verb1', '/foo/bar/one'), true],
  ['star nonresource subpath, trailing slash', { verbs: ['verb1'], nonResourceURLs: ['/foo/*'] }, path('verb1', '/foo/'), true],
  ['star nonresource subpath, not the parent', { verbs: ['verb1'], nonResourceURLs: ['/foo/*'] }, path('verb1', '/foo'), false],
  ['nonresource exact', { verbs: ['get'], nonResourceURLs: ['/version'] }, path('get', '/version/'), false],
  ['resource rule never matches a path', { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, path('get', '/api'), false],
  ['path rule never matches a resource', { verbs: ['*'], nonResourceURLs: ['*'] }, res('get', '', 'pods'), false],
];

describe('RBAC rule matching', () => {
  it.each(MATCHES)('%s', (_n, rule, attrs, want) => {
    expect(ruleAllows(attrs, rule)).toBe(want);
  });
});

// After pkg/registry/rbac/validation/policy_comparator_test.go.
const COVERS: [string, PolicyRule[], PolicyRule[], boolean][] = [
  ['exact match', [{ verbs: ['get', 'list'], apiGroups: ['v1'], resources: ['builds'] }], [{ verbs: ['get'], apiGroups: ['v1'], resources: ['builds'] }], true],
  ['multiple owner rules cover one servant rule', [{ verbs: ['get'], apiGroups: ['v1'], resources: ['builds'] }, { verbs: ['list'], apiGroups: ['v1'], resources: ['builds'] }], [{ verbs: ['get', 'list'], apiGroups: ['v1'], resources: ['builds'] }], true],
  ['star verb', [{ verbs: ['*'], apiGroups: ['v1'], resources: ['builds'] }], [{ verbs: ['delete'], apiGroups: ['v1'], resources: ['builds'] }], true],
  ['star resource, subresource', [{ verbs: ['get'], apiGroups: ['v1'], resources: ['*'] }], [{ verbs: ['get'], apiGroups: ['v1'], resources: ['builds/logs'] }], true],
  ['star/subresource', [{ verbs: ['get'], apiGroups: ['v1'], resources: ['*/logs'] }], [{ verbs: ['get'], apiGroups: ['v1'], resources: ['builds/logs'] }], true],
  ['star/subresource does not cover the resource', [{ verbs: ['get'], apiGroups: ['v1'], resources: ['*/logs'] }], [{ verbs: ['get'], apiGroups: ['v1'], resources: ['builds'] }], false],
  ['resource does not cover its subresource', [{ verbs: ['get'], apiGroups: ['v1'], resources: ['builds'] }], [{ verbs: ['get'], apiGroups: ['v1'], resources: ['builds/logs'] }], false],
  ['names cover a subset', [{ verbs: ['get'], apiGroups: ['v1'], resources: ['builds'], resourceNames: ['a', 'b'] }], [{ verbs: ['get'], apiGroups: ['v1'], resources: ['builds'], resourceNames: ['a'] }], true],
  ['names do not cover all names', [{ verbs: ['get'], apiGroups: ['v1'], resources: ['builds'], resourceNames: ['a'] }], [{ verbs: ['get'], apiGroups: ['v1'], resources: ['builds'] }], false],
  ['no names cover any name', [{ verbs: ['get'], apiGroups: ['v1'], resources: ['builds'] }], [{ verbs: ['get'], apiGroups: ['v1'], resources: ['builds'], resourceNames: ['a'] }], true],
  ['other group', [{ verbs: ['get'], apiGroups: ['v1'], resources: ['builds'] }], [{ verbs: ['get'], apiGroups: ['v2'], resources: ['builds'] }], false],
  ['url prefix', [{ verbs: ['get'], nonResourceURLs: ['/api/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/api/v1', '/api/'] }], true],
  ['url outside prefix', [{ verbs: ['get'], nonResourceURLs: ['/api/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/apis'] }], false],
  ['resource rules never cover urls', [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }], false],
];

describe('RBAC rule coverage (escalation check)', () => {
  it.each(COVERS)('%s', (_n, owner, servant, want) => {
    expect(covers(owner, servant).covered).toBe(want);
  });

  it('lists what is missing, merged by verb and printed as kube-apiserver prints it', () => {
    const { missing } = covers([{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], [{ verbs: ['get', 'list', 'delete'], apiGroups: [''], resources: ['pods', 'secrets'] }]);
    expect(compactRules(missing).map(compactString)).toEqual(['{APIGroups:[""], Resources:["pods"], Verbs:["list" "delete"]}', '{APIGroups:[""], Resources:["secrets"], Verbs:["get" "list" "delete"]}']);
    expect(compactString({ verbs: ['get'], nonResourceURLs: ['/x'] })).toBe('{NonResourceURLs:["/x"], Verbs:["get"]}');
  });
});
