import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { memoryCluster } from '../testing/memoryCluster.js';
import { issueNodeToken, TokenAuthenticator } from './auth.js';
import { createServiceAccountToken } from './serviceAccountTokens.js';

type Cluster = Awaited<ReturnType<typeof memoryCluster>>;
const ADMIN = 'admin-token';
const bearer = (t: string) => `Bearer ${t}`;

describe('authentication', () => {
  let c: Cluster;
  let auth: TokenAuthenticator;
  beforeEach(async () => {
    c = await memoryCluster();
    await c.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } });
    await c.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    await c.client.create('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bot', namespace: 'team' } });
    auth = await TokenAuthenticator.create(ADMIN, c.store, c.clock);
  });
  afterEach(() => {
    auth.dispose();
    c.dispose();
  });

  it('knows the admin and node tokens, nothing else', async () => {
    expect(auth.authenticate(bearer(ADMIN))).toEqual({ user: 'skiff-admin', groups: ['system:masters', 'system:authenticated'] });
    const node = await issueNodeToken(c.client, 'n1');
    expect(auth.authenticate(bearer(node))?.user).toBe('system:node:n1');
    expect(auth.authenticate(bearer('nope'))).toBeUndefined();
    expect(auth.authenticate(undefined)).toBeUndefined();
    expect(auth.authenticate('Basic abc')).toBeUndefined();
  });

  it('a node token works from its Secret: with 100 nodes, a rotated token replaces the old one, a removed node stops at once', async () => {
    const tokens = await Promise.all(Array.from({ length: 100 }, (_, i) => issueNodeToken(c.client, `n${i}`)));
    tokens.forEach((t, i) => expect(auth.authenticate(bearer(t))?.user).toBe(`system:node:n${i}`));
    await c.client.patch('secrets', 'kube-system', 'skiff-node-n7', 'merge', { data: { token: Buffer.from('rotated').toString('base64') } });
    expect(auth.authenticate(bearer(tokens[7] as string))).toBeUndefined();
    expect(auth.authenticate(bearer('rotated'))?.user).toBe('system:node:n7');
    await c.client.delete('secrets', 'kube-system', 'skiff-node-n8');
    expect(auth.authenticate(bearer(tokens[8] as string))).toBeUndefined();
    expect(auth.authenticate(bearer(tokens[9] as string))?.user).toBe('system:node:n9');
  });

  it('a service-account token works until it expires or its account goes', async () => {
    const tr = await createServiceAccountToken(c.registry, c.clock, 'team', 'bot', { spec: { expirationSeconds: 600 } });
    expect(tr).toMatchObject({ kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', spec: { expirationSeconds: 600 } });
    const who = auth.authenticate(bearer(tr.status.token));
    expect(who).toMatchObject({ user: 'system:serviceaccount:team:bot', groups: ['system:serviceaccounts', 'system:serviceaccounts:team', 'system:authenticated'] });
    expect(who?.uid).toMatch(/^[0-9a-f-]{36}$/);
    // Tampered: the signature no longer matches.
    const [h, , s] = tr.status.token.split('.');
    const body = Buffer.from(JSON.stringify({ sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url');
    expect(auth.authenticate(bearer(`${h}.${body}.${s}`))).toBeUndefined();
    await c.clock.advance(601_000);
    expect(auth.authenticate(bearer(tr.status.token))).toBeUndefined();
    const fresh = await createServiceAccountToken(c.registry, c.clock, 'team', 'bot', {});
    expect(auth.authenticate(bearer(fresh.status.token))).toBeDefined();
    await c.client.delete('serviceaccounts', 'team', 'bot');
    expect(auth.authenticate(bearer(fresh.status.token))).toBeUndefined();
  });

  it('token requests are validated: a missing account is 404, too short a duration 422', async () => {
    await expect(createServiceAccountToken(c.registry, c.clock, 'team', 'ghost', {})).rejects.toMatchObject({ code: 404 });
    await expect(createServiceAccountToken(c.registry, c.clock, 'team', 'bot', { spec: { expirationSeconds: 60 } })).rejects.toMatchObject({ code: 422 });
  });
});
