import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { memoryCluster } from '../testing/memoryCluster.js';
import { TokenAuthenticator } from './auth.js';
import { createServiceAccountToken, signToken, TOKEN_ISSUER, verifyToken, type TokenClaims } from './serviceAccountTokens.js';

const key = randomBytes(32);
const NOW = Date.UTC(2026, 0, 1);
const now = Math.floor(NOW / 1000);

function claims(over: Partial<Record<keyof TokenClaims, unknown>> = {}): TokenClaims {
  return {
    iss: TOKEN_ISSUER,
    sub: 'system:serviceaccount:team:bot',
    aud: [TOKEN_ISSUER],
    exp: now + 3600,
    iat: now,
    nbf: now,
    jti: 'j',
    'kubernetes.io': { namespace: 'team', serviceaccount: { name: 'bot', uid: 'u' } },
    ...over,
  } as TokenClaims;
}

describe('service-account token claims', () => {
  it('accepts a token this server would issue', () => {
    expect(verifyToken(key, signToken(key, claims()), { now: NOW })?.sub).toBe('system:serviceaccount:team:bot');
    expect(verifyToken(key, signToken(key, claims({ aud: ['vault', TOKEN_ISSUER] })), { now: NOW })).toBeDefined();
    expect(verifyToken(key, signToken(key, claims({ aud: TOKEN_ISSUER })), { now: NOW })).toBeDefined();
    // A little clock skew on nbf and iat is tolerated, as upstream (go-jose's one-minute leeway).
    expect(verifyToken(key, signToken(key, claims({ nbf: now + 30, iat: now + 30 })), { now: NOW })).toBeDefined();
  });

  it.each([
    ['another issuer', { iss: 'https://evil.example' }],
    ['no issuer', { iss: undefined }],
    ['an audience that is not the API', { aud: ['vault'] }],
    ['no audience', { aud: [] }],
    ['expired', { exp: now - 1 }],
    ['no expiry', { exp: undefined }],
    ['not valid yet', { nbf: now + 3600 }],
    ['issued in the future', { iat: now + 3600, exp: now + 7200 }],
    ['no iat', { iat: undefined }],
    ['exp in 2100', { exp: Math.floor(Date.UTC(2100, 0, 1) / 1000) }],
    ['a lifetime longer than 48 h', { iat: now - 47 * 3600, exp: now + 3 * 3600 }],
    ['a subject that is not its service account', { sub: 'system:serviceaccount:kube-system:admin' }],
    ['no service account', { 'kubernetes.io': {} }],
  ])('refuses a correctly signed token with %s', (_what, over) => {
    expect(verifyToken(key, signToken(key, claims(over)), { now: NOW })).toBeUndefined();
  });

  it('a TokenRequest for other audiences makes a token the API refuses, as kube-apiserver does', async () => {
    const c = await memoryCluster();
    for (const name of ['team', 'kube-system']) await c.client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    await c.client.create('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'bot', namespace: 'team' } });
    const auth = await TokenAuthenticator.create('admin', c.store, c.clock);
    try {
      const other = await createServiceAccountToken(c.registry, c.clock, 'team', 'bot', { spec: { audiences: ['vault'] } });
      expect(auth.authenticate(`Bearer ${other.status.token}`)).toBeUndefined();
      const both = await createServiceAccountToken(c.registry, c.clock, 'team', 'bot', { spec: { audiences: ['vault', TOKEN_ISSUER] } });
      expect(auth.authenticate(`Bearer ${both.status.token}`)?.user).toBe('system:serviceaccount:team:bot');
    } finally {
      auth.dispose();
      c.dispose();
    }
  });
});
