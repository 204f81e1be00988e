import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCompatCluster, type CompatCluster } from './cluster.js';

// Who am I, service-account tokens, and what a token may not do.
let c: CompatCluster;
let token: string;

beforeAll(async () => {
  c = await startCompatCluster('compat-auth', { localNode: 'off' });
  await c.k.ok(['create', 'namespace', 'team']);
  await c.k.ok(['create', 'serviceaccount', 'viewer', '-n', 'team']);
  await c.k.ok(['create', 'configmap', 'visible', '-n', 'team', '--from-literal=a=b']);
  token = (await c.k.ok(['create', 'token', 'viewer', '-n', 'team'])).trim();
});

afterAll(async () => {
  await c?.stop();
});

describe('kubectl auth and tokens', () => {
  it('auth whoami shows the admin user and its groups', async () => {
    const out = await c.k.ok(['auth', 'whoami']);
    expect(out).toMatch(/^ATTRIBUTE\s+VALUE$/m);
    expect(out).toMatch(/^Username\s+skiff-admin$/m);
    expect(out).toMatch(/^Groups\s+\[system:masters system:authenticated\]$/m);
    const json = JSON.parse(await c.k.ok(['auth', 'whoami', '-o', 'json'])) as { kind: string; apiVersion: string };
    expect(json).toMatchObject({ kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1' });
  });

  it('create token issues a signed token (TokenRequest) for a service account', async () => {
    expect(token.split('.')).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { sub: string; exp: number; iat: number; 'kubernetes.io': { namespace: string } };
    expect(claims.sub).toBe('system:serviceaccount:team:viewer');
    expect(claims.exp - claims.iat).toBe(3600);
    expect(claims['kubernetes.io'].namespace).toBe('team');
    const long = (await c.k.ok(['create', 'token', 'viewer', '-n', 'team', '--duration=2h'])).trim();
    const lc = JSON.parse(Buffer.from(long.split('.')[1] as string, 'base64url').toString()) as { exp: number; iat: number };
    expect(lc.exp - lc.iat).toBe(7200);
    const missing = await c.k.run(['create', 'token', 'nobody', '-n', 'team']);
    expect(missing.stderr).toBe('error: failed to create token: serviceaccounts "nobody" not found\n');
  });

  it('the token authenticates as system:serviceaccount:NS:NAME', async () => {
    const out = await c.k.ok(['--token', token, 'auth', 'whoami']);
    expect(out).toMatch(/^Username\s+system:serviceaccount:team:viewer$/m);
    expect(out).toMatch(/^UID\s+[0-9a-f-]{36}$/m);
    expect(out).toMatch(/^Groups\s+\[system:serviceaccounts system:serviceaccounts:team system:authenticated\]$/m);
  });

  it('a service account may do nothing that is not bound to it (RBAC; see rbac.test.ts)', async () => {
    const get = await c.k.run(['--token', token, 'get', 'cm', 'visible', '-n', 'team']);
    expect(get.stderr).toBe('Error from server (Forbidden): configmaps "visible" is forbidden: User "system:serviceaccount:team:viewer" cannot get resource "configmaps" in API group "" in the namespace "team"\n');
    expect((await c.k.run(['--token', token, 'auth', 'can-i', 'list', 'pods', '-n', 'team'])).stdout).toBe('no\n');
  });

  it('anything else is Forbidden, worded as kube-apiserver words it', async () => {
    const all = await c.k.run(['--token', token, 'get', 'pods', '-A']);
    expect(all.code).toBe(1);
    expect(all.stderr).toBe('Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:team:viewer" cannot list resource "pods" in API group "" at the cluster scope\n');
    const del = await c.k.run(['--token', token, 'delete', 'cm', 'visible', '-n', 'team']);
    expect(del.stderr).toBe('Error from server (Forbidden): configmaps "visible" is forbidden: User "system:serviceaccount:team:viewer" cannot delete resource "configmaps" in API group "" in the namespace "team"\n');
    const other = await c.k.run(['--token', token, 'get', 'deploy', '-n', 'default']);
    expect(other.stderr).toBe('Error from server (Forbidden): deployments.apps is forbidden: User "system:serviceaccount:team:viewer" cannot list resource "deployments" in API group "apps" in the namespace "default"\n');
    const create = await c.k.run(['--token', token, 'create', 'configmap', 'x', '-n', 'team', '--from-literal=a=b']);
    expect(create.stderr).toContain('configmaps is forbidden: User "system:serviceaccount:team:viewer" cannot create resource "configmaps" in API group "" in the namespace "team"');
    const can = await c.k.run(['--token', token, 'auth', 'can-i', 'delete', 'pods', '-n', 'team']);
    expect(can.stdout).toBe('no\n');
    expect(can.code).toBe(1);
  });

  it('a bad token, or the token of a deleted service account, is Unauthorized', async () => {
    const bad = await c.k.run(['--token', 'not-a-token', 'get', 'pods']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('error: You must be logged in to the server (Unauthorized)\n');
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect((await c.k.run(['--token', forged, 'get', 'pods', '-n', 'team'])).stderr).toContain('You must be logged in to the server (Unauthorized)');
    await c.k.ok(['delete', 'serviceaccount', 'viewer', '-n', 'team']);
    expect((await c.k.run(['--token', token, 'get', 'pods', '-n', 'team'])).stderr).toContain('You must be logged in to the server (Unauthorized)');
    // Recreated with the same name: a new uid, so the old token still fails.
    await c.k.ok(['create', 'serviceaccount', 'viewer', '-n', 'team']);
    expect((await c.k.run(['--token', token, 'get', 'pods', '-n', 'team'])).stderr).toContain('Unauthorized');
  });
});
