import type { IncomingMessage } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../api/types.js';
import { controllerFixture } from '../../controllers/testkit.js';
import { silentLogger } from '../../util/logger.js';
import type { RequestContext } from '../requestContext.js';
import { impersonate } from './impersonation.js';
import { Authorization, resourceAttributes } from './index.js';
import { reconcileBootstrapPolicy } from './reconcile.js';
import { serveReview, REVIEW_RESOURCES } from './reviews.js';

type Fixture = Awaited<ReturnType<typeof controllerFixture>>;
const G = 'rbac.authorization.k8s.io';
const user = (name: string, ...groups: string[]): RequestContext => ({ user: name, groups: [...groups, 'system:authenticated'] });
const alice = user('alice');
const bob = user('bob');
const sa: RequestContext = { user: 'system:serviceaccount:team:bot', groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'] };

const role = (name: string, rules: unknown[], ns = 'team'): KubeObject => ({ apiVersion: `${G}/v1`, kind: 'Role', metadata: { name, namespace: ns }, rules } as KubeObject);
const clusterRole = (name: string, rules: unknown[], labels?: Record<string, string>): KubeObject => ({ apiVersion: `${G}/v1`, kind: 'ClusterRole', metadata: { name, ...(labels ? { labels } : {}) }, rules } as KubeObject);
const binding = (name: string, ref: { kind: string; name: string }, subjects: unknown[], ns = 'team'): KubeObject =>
  ({ apiVersion: `${G}/v1`, kind: 'RoleBinding', metadata: { name, namespace: ns }, roleRef: { apiGroup: G, ...ref }, subjects } as KubeObject);
const clusterBinding = (name: string, role: string, subjects: unknown[]): KubeObject => ({ apiVersion: `${G}/v1`, kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: G, kind: 'ClusterRole', name: role }, subjects } as KubeObject);
const U = (name: string) => ({ kind: 'User', apiGroup: G, name });

let f: Fixture;
let authz: Authorization;
const can = (who: RequestContext, verb: string, resource: string, ns?: string, extra: { group?: string; subresource?: string; name?: string } = {}) =>
  authz.allowed(resourceAttributes(who, verb, { group: extra.group ?? '', resource, namespace: ns, subresource: extra.subresource, name: extra.name }));

beforeEach(async () => {
  f = await controllerFixture({ disabled: ['deployment', 'replicaset', 'endpoints', 'endpointslice', 'nodelifecycle', 'garbagecollector', 'namespace', 'scheduler'] });
  await f.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
  await f.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
  authz = await Authorization.create(f.registry.objects);
  f.registry.strategies.useAuthorization(authz);
  await reconcileBootstrapPolicy(f.registry, silentLogger);
  await f.settle();
});

afterEach(async () => {
  authz.dispose();
  await f.mgr.dispose();
  f.dispose();
});

describe('RBAC authorizer', () => {
  it('grants nothing but what is bound: a Role in its namespace, a ClusterRole through a RoleBinding there only, a ClusterRoleBinding everywhere', async () => {
    expect(can(sa, 'list', 'pods', 'team')).toBe(false);
    await f.client.create('roles', role('pod-reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]));
    await f.client.create('rolebindings', binding('read-pods', { kind: 'Role', name: 'pod-reader' }, [{ kind: 'ServiceAccount', name: 'bot' }]));
    expect(can(sa, 'list', 'pods', 'team')).toBe(true);
    expect(can(sa, 'delete', 'pods', 'team', { name: 'p' })).toBe(false);
    expect(can(sa, 'list', 'pods', 'other')).toBe(false);
    expect(can(sa, 'list', 'pods')).toBe(false);
    expect(can(sa, 'get', 'pods', 'team', { subresource: 'log', name: 'p' })).toBe(false);

    await f.client.create('rolebindings', binding('view', { kind: 'ClusterRole', name: 'view' }, [U('alice')], 'other'));
    expect(can(alice, 'list', 'deployments', 'other', { group: 'apps' })).toBe(true);
    expect(can(alice, 'list', 'deployments', 'team', { group: 'apps' })).toBe(false);
    expect(can(alice, 'get', 'secrets', 'other', { name: 's' })).toBe(false);

    await f.client.create('clusterrolebindings', clusterBinding('bob-edit', 'edit', [U('bob')]));
    expect(can(bob, 'create', 'secrets', 'team')).toBe(true);
    expect(can(bob, 'create', 'secrets', 'other')).toBe(true);
    expect(can(bob, 'create', 'roles', 'team', { group: G })).toBe(false);
    expect(can(bob, 'list', 'nodes')).toBe(false);
  });

  it('explains an allow, and a binding to a missing role', async () => {
    await f.client.create('clusterrolebindings', clusterBinding('ghost', 'nope', [U('alice')]));
    const res = authz.authorize(resourceAttributes(alice, 'get', { group: '', resource: 'pods', namespace: 'team', name: 'p' }));
    expect(res).toEqual({ decision: 'noOpinion', reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "nope" not found' });
    await f.client.create('roles', role('r', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]));
    await f.client.create('rolebindings', binding('rb', { kind: 'Role', name: 'r' }, [{ kind: 'Group', apiGroup: G, name: 'system:authenticated' }]));
    expect(authz.authorize(resourceAttributes(alice, 'get', { group: '', resource: 'pods', namespace: 'team', name: 'p' }))).toEqual({
      decision: 'allow',
      reason: 'RBAC: allowed by RoleBinding "rb/team" of Role "r" to Group "system:authenticated"',
    });
  });

  it('system:masters may do anything; the default roles give everyone discovery and self reviews', () => {
    expect(can(user('root', 'system:masters'), 'delete', 'nodes', undefined, { name: 'n' })).toBe(true);
    expect(authz.allowed({ user: alice, verb: 'get', resourceRequest: false, path: '/apis/apps/v1' })).toBe(true);
    expect(authz.allowed({ user: alice, verb: 'get', resourceRequest: false, path: '/metrics' })).toBe(false);
    expect(can(alice, 'create', 'selfsubjectaccessreviews', undefined, { group: 'authorization.k8s.io' })).toBe(true);
    expect(can(alice, 'create', 'subjectaccessreviews', undefined, { group: 'authorization.k8s.io' })).toBe(false);
  });
});

describe('aggregation and the bootstrap policy', () => {
  it('admin, edit and view are filled from labelled roles, and follow them', async () => {
    const view = await f.client.get<KubeObject & { rules: unknown[] }>('clusterroles', undefined, 'view');
    expect(view.rules.length).toBeGreaterThan(5);
    const edit = await f.client.get<KubeObject & { rules: unknown[] }>('clusterroles', undefined, 'edit');
    expect(edit.rules.length).toBeGreaterThan(view.rules.length);
    await f.client.create('clusterroles', clusterRole('widgets-view', [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] }], { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }));
    await f.settle();
    for (const r of ['view', 'edit', 'admin']) {
      const got = await f.client.get<KubeObject & { rules: unknown[] }>('clusterroles', undefined, r);
      expect(got.rules).toContainEqual({ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] });
    }
    await f.client.delete('clusterroles', undefined, 'widgets-view');
    await f.settle();
    expect((await f.client.get<KubeObject & { rules: unknown[] }>('clusterroles', undefined, 'admin')).rules).not.toContainEqual({ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] });
  });

  it('a restart adds back what is missing, keeps what users added, and leaves autoupdate=false alone', async () => {
    const basic = await f.client.get<KubeObject & { rules: unknown[] }>('clusterroles', undefined, 'system:basic-user');
    await f.client.update('clusterroles', { ...basic, rules: [{ apiGroups: ['x.io'], resources: ['things'], verbs: ['get'] }] });
    const disc = await f.client.get<KubeObject & { subjects: unknown[] }>('clusterrolebindings', undefined, 'system:discovery');
    await f.client.update('clusterrolebindings', { ...disc, subjects: [U('carol')] });
    const pub = await f.client.get<KubeObject>('clusterroles', undefined, 'system:public-info-viewer');
    await f.client.update('clusterroles', { ...pub, metadata: { ...pub.metadata, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' } }, rules: [] });
    await f.client.delete('clusterroles', undefined, 'cluster-admin');
    await reconcileBootstrapPolicy(f.registry, silentLogger);
    const basic2 = await f.client.get<KubeObject & { rules: unknown[] }>('clusterroles', undefined, 'system:basic-user');
    expect(basic2.rules[0]).toEqual({ apiGroups: ['x.io'], resources: ['things'], verbs: ['get'] });
    expect(basic2.rules).toHaveLength(3);
    const disc2 = await f.client.get<KubeObject & { subjects: unknown[] }>('clusterrolebindings', undefined, 'system:discovery');
    expect(disc2.subjects).toEqual([U('carol'), { kind: 'Group', apiGroup: G, name: 'system:authenticated' }]);
    expect((await f.client.get<KubeObject & { rules?: unknown[] }>('clusterroles', undefined, 'system:public-info-viewer')).rules ?? []).toEqual([]);
    expect(await f.client.get('clusterroles', undefined, 'cluster-admin')).toBeDefined();
  });
});

describe('escalation checks', () => {
  const create = (who: RequestContext, resource: string, obj: KubeObject) => f.registry.create(resource, obj.metadata.namespace, obj, { user: who });
  beforeEach(async () => {
    // alice may manage roles and bindings in team, and read pods there.
    await f.client.create('roles', role('rbac-manager', [{ apiGroups: [G], resources: ['roles', 'rolebindings'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] }, { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]));
    await f.client.create('rolebindings', binding('alice-manager', { kind: 'Role', name: 'rbac-manager' }, [U('alice')]));
  });

  it('a Role may hold only what its author holds, unless they may escalate', async () => {
    await expect(create(alice, 'roles', role('ok', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]))).resolves.toBeDefined();
    await expect(create(alice, 'roles', role('too-much', [{ apiGroups: [''], resources: ['pods', 'secrets'], verbs: ['get', 'delete'] }]))).rejects.toMatchObject({
      code: 403,
      message:
        'roles.rbac.authorization.k8s.io "too-much" is forbidden: user "alice" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n' +
        '{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}\n{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete"]}',
    });
    await f.client.create('roles', role('escalator', [{ apiGroups: [G], resources: ['roles'], verbs: ['escalate'] }]));
    await f.client.create('rolebindings', binding('alice-escalates', { kind: 'Role', name: 'escalator' }, [U('alice')]));
    await expect(create(alice, 'roles', role('too-much', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]))).resolves.toBeDefined();
  });

  it('a binding needs the bind verb on the role or every permission in it', async () => {
    await f.client.create('roles', role('pod-reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }]));
    await expect(create(alice, 'rolebindings', binding('bob-reads', { kind: 'Role', name: 'pod-reader' }, [U('bob')]))).resolves.toBeDefined();
    await expect(create(alice, 'rolebindings', binding('bob-admin', { kind: 'ClusterRole', name: 'cluster-admin' }, [U('bob')]))).rejects.toMatchObject({
      code: 403,
      message: expect.stringMatching(/^rolebindings.rbac.authorization.k8s.io "bob-admin" is forbidden: user "alice" .* is attempting to grant RBAC permissions not currently held:\n/),
    });
    await expect(create(alice, 'rolebindings', binding('ghost', { kind: 'Role', name: 'nope' }, [U('bob')]))).rejects.toMatchObject({
      code: 403,
      message: 'rolebindings.rbac.authorization.k8s.io "ghost" is forbidden: role.rbac.authorization.k8s.io "nope" not found',
    });
    await f.client.create('roles', role('binder', [{ apiGroups: [G], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['cluster-admin'] }]));
    await f.client.create('rolebindings', binding('alice-binds', { kind: 'Role', name: 'binder' }, [U('alice')]));
    await expect(create(alice, 'rolebindings', binding('bob-admin', { kind: 'ClusterRole', name: 'cluster-admin' }, [U('bob')]))).resolves.toBeDefined();
    expect(can(bob, 'delete', 'secrets', 'team', { name: 'x' })).toBe(true);
    expect(can(bob, 'delete', 'secrets', 'other', { name: 'x' })).toBe(false);
  });

  it('an aggregation rule needs full authority; masters may do anything', async () => {
    await f.client.create('clusterrolebindings', clusterBinding('alice-everything-but-urls', 'edit', [U('alice')]));
    const agg = { ...clusterRole('agg', []), aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] } } as KubeObject;
    await expect(create(alice, 'clusterroles', agg)).rejects.toMatchObject({ code: 403, message: 'clusterroles.rbac.authorization.k8s.io "agg" is forbidden: must have cluster-admin privileges to use the aggregationRule' });
    await expect(create(user('root', 'system:masters'), 'clusterroles', agg)).resolves.toBeDefined();
  });
});

describe('access reviews and impersonation', () => {
  const review = (who: RequestContext, resource: string, body: unknown, ns?: string) => serveReview(authz, who, REVIEW_RESOURCES.find((r) => r.resource === resource)!, ns, body) as { status: Record<string, unknown> };

  it('SelfSubjectAccessReview, SelfSubjectRulesReview, SubjectAccessReview and LocalSubjectAccessReview', async () => {
    await f.client.create('roles', role('pod-reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }]));
    await f.client.create('rolebindings', binding('rb', { kind: 'Role', name: 'pod-reader' }, [U('alice')]));
    expect(review(alice, 'selfsubjectaccessreviews', { spec: { resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'team' } } }).status.allowed).toBe(true);
    expect(review(alice, 'selfsubjectaccessreviews', { spec: { resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'other' } } }).status).toEqual({ allowed: false });
    const rules = review(alice, 'selfsubjectrulesreviews', { spec: { namespace: 'team' } }).status;
    expect(rules.resourceRules).toContainEqual({ apiGroups: [''], resources: ['pods'], verbs: ['list'] });
    expect(rules.resourceRules).toContainEqual({ apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] });
    expect(rules.nonResourceRules).toContainEqual(expect.objectContaining({ verbs: ['get'], nonResourceURLs: expect.arrayContaining(['/api', '/version']) }));
    expect(rules.incomplete).toBe(false);
    // Asking about others takes the right to ask.
    expect(() => review(alice, 'subjectaccessreviews', { spec: { user: 'bob', resourceAttributes: { verb: 'list', resource: 'pods' } } })).toThrow(/cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io"/);
    const root = user('root', 'system:masters');
    expect(review(root, 'subjectaccessreviews', { spec: { user: 'alice', groups: ['system:authenticated'], resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'team' } } }).status.allowed).toBe(true);
    expect(review(root, 'localsubjectaccessreviews', { spec: { user: 'alice', resourceAttributes: { verb: 'list', resource: 'pods' } } }, 'other').status.allowed).toBe(false);
    expect(() => review(root, 'localsubjectaccessreviews', { spec: { user: 'alice', resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'team' } } }, 'other')).toThrow(/must match/);
    expect(() => review(root, 'subjectaccessreviews', { spec: { resourceAttributes: { verb: 'list', resource: 'pods' } } })).toThrow(/at least one of user or group must be specified/);
    const node = review({ user: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] }, 'selfsubjectrulesreviews', { spec: { namespace: 'team' } }).status;
    expect(node).toMatchObject({ incomplete: true, evaluationError: 'node authorizer does not support user rule resolution' });
  });

  /** A request with these headers as Node's parser gives them: raw names as sent (here capitalized, as kubectl sends them), lower-cased in `headersDistinct`. */
  const headers = (h: Record<string, string[]>) => {
    const raw = Object.entries(h).flatMap(([k, vs]) => vs.flatMap((v) => [k.replace(/(^|-)[a-z]/g, (c) => c.toUpperCase()), v]));
    return { headersDistinct: h, rawHeaders: ['Host', 'x', 'Authorization', 'Bearer t', ...raw] } as unknown as IncomingMessage;
  };
  it('impersonates only for those allowed the impersonate verb, as the impersonated user', async () => {
    const root = user('root', 'system:masters');
    expect(impersonate(authz, root, headers({}))).toBe(root);
    expect(impersonate(authz, root, headers({ impersonated: ['not a header of impersonation'] }))).toBe(root);
    expect(() => impersonate(authz, root, headers({ 'impersonate-extra-scopes': ['x'] }))).toThrow(/without impersonating a user/);
    expect(impersonate(authz, root, headers({ 'impersonate-user': ['bob'], 'impersonate-group': ['devs'] }))).toEqual({ user: 'bob', groups: ['devs', 'system:authenticated'] });
    expect(impersonate(authz, root, headers({ 'impersonate-user': ['system:serviceaccount:team:bot'] }))).toEqual({ user: sa.user, groups: sa.groups });
    expect(() => impersonate(authz, alice, headers({ 'impersonate-user': ['bob'] }))).toThrow('users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope');
    expect(() => impersonate(authz, root, headers({ 'impersonate-group': ['devs'] }))).toThrow(/without impersonating a user/);
    await f.client.create('clusterroles', clusterRole('impersonate-bob', [{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'], resourceNames: ['bob'] }]));
    await f.client.create('clusterrolebindings', clusterBinding('alice-as-bob', 'impersonate-bob', [U('alice')]));
    expect(impersonate(authz, alice, headers({ 'impersonate-user': ['bob'] }))).toEqual({ user: 'bob', groups: ['system:authenticated'] });
    expect(() => impersonate(authz, alice, headers({ 'impersonate-user': ['bob'], 'impersonate-group': ['system:masters'] }))).toThrow('groups "system:masters" is forbidden: User "alice" cannot impersonate resource "groups" in API group "" at the cluster scope');
    expect(() => impersonate(authz, alice, headers({ 'impersonate-user': ['carol'] }))).toThrow(/users "carol" is forbidden/);
  });
});
