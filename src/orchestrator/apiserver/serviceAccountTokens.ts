import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { errors, isAlreadyExists, isNotFound } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import type { Clock } from '../util/clock.js';
import type { Registry } from './registry.js';
import type { RequestContext } from './requestContext.js';

/** The Secret holding the HMAC key service-account tokens are signed with (created on first use). */
export const SIGNING_KEY_SECRET = 'skiff-service-account-signing-key';
export const SIGNING_KEY_NAMESPACE = 'kube-system';
export const TOKEN_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
const DEFAULT_EXPIRATION_S = 3600;
const MIN_EXPIRATION_S = 600;
const MAX_EXPIRATION_S = 48 * 3600;

/** The claims of a Skiff service-account token: the ones kube-apiserver's bound tokens carry. */
export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': { namespace: string; serviceaccount: { name: string; uid: string }; pod?: { name: string; uid: string } };
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** Signs claims as an HS256 JWT. */
export function signToken(key: Buffer, claims: TokenClaims): string {
  const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const body = b64url(JSON.stringify(claims));
  const sig = createHmac('sha256', key).update(`${head}.${body}`).digest('base64url');
  return `${head}.${body}.${sig}`;
}

/** When a token is checked, and what the API itself is called in tokens meant for it. */
export interface TokenCheck {
  /** The current time, ms. */
  now: number;
  /** Default: {@link TOKEN_ISSUER}, the only issuer this server signs as. */
  issuer?: string;
  /** The API's audiences (kube-apiserver's `--api-audiences`, default the issuer); a token must name one. */
  audiences?: string[];
}

/** Clock skew tolerated on `nbf` and `iat`, as go-jose's default leeway in kube-apiserver. */
const LEEWAY_S = 60;

/**
 * The claims of a token signed with `key` and valid now for this API, or undefined: a bad shape or
 * signature, another issuer, no audience of the API's (a TokenRequest's `spec.audiences` makes a
 * token for someone else), expired, not valid yet (`nbf`), issued in the future (`iat`), or living
 * longer than this server ever issues (48 h), as kube-apiserver's service-account authenticator
 * refuses them.
 */
export function verifyToken(key: Buffer, token: string, check: TokenCheck): TokenClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [head, body, sig] = parts as [string, string, string];
  const want = createHmac('sha256', key).update(`${head}.${body}`).digest();
  const got = Buffer.from(sig, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return undefined;
  let c: Partial<TokenClaims>;
  try {
    const h = JSON.parse(Buffer.from(head, 'base64url').toString()) as { alg?: unknown };
    if (h.alg !== 'HS256') return undefined;
    c = JSON.parse(Buffer.from(body, 'base64url').toString()) as Partial<TokenClaims>;
  } catch {
    return undefined;
  }
  if (c === null || typeof c !== 'object') return undefined;
  const sa = c['kubernetes.io'];
  if (typeof sa?.namespace !== 'string' || typeof sa.serviceaccount?.name !== 'string' || typeof sa.serviceaccount.uid !== 'string') return undefined;
  if (c.sub !== `system:serviceaccount:${sa.namespace}:${sa.serviceaccount.name}`) return undefined;
  if (c.iss !== (check.issuer ?? TOKEN_ISSUER)) return undefined;
  const aud = typeof c.aud === 'string' ? [c.aud] : c.aud;
  const api = check.audiences ?? [TOKEN_ISSUER];
  if (!Array.isArray(aud) || !aud.some((a) => api.includes(a))) return undefined;
  const now = Math.floor(check.now / 1000);
  if (typeof c.exp !== 'number' || !Number.isFinite(c.exp) || c.exp <= now) return undefined;
  if (typeof c.iat !== 'number' || c.iat > now + LEEWAY_S) return undefined;
  if (c.nbf !== undefined && (typeof c.nbf !== 'number' || c.nbf > now + LEEWAY_S)) return undefined;
  if (c.exp - c.iat > MAX_EXPIRATION_S || c.exp > now + MAX_EXPIRATION_S + LEEWAY_S) return undefined;
  return c as TokenClaims;
}

/** The identity a verified token stands for, as kube-apiserver names service accounts. */
export function serviceAccountUser(c: TokenClaims): RequestContext {
  const ns = c['kubernetes.io'].namespace;
  return {
    user: `system:serviceaccount:${ns}:${c['kubernetes.io'].serviceaccount.name}`,
    uid: c['kubernetes.io'].serviceaccount.uid,
    groups: [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${ns}`, 'system:authenticated'],
    extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${c.jti}`] },
  };
}

/** Reads the signing key, creating it the first time a token is requested. */
async function signingKey(registry: Registry): Promise<Buffer> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const s = await registry.get<KubeObject & { data?: Record<string, string> }>('secrets', SIGNING_KEY_NAMESPACE, SIGNING_KEY_SECRET);
      const k = s.data?.key;
      if (k) return Buffer.from(k, 'base64');
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
    try {
      await registry.create('secrets', SIGNING_KEY_NAMESPACE, {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: SIGNING_KEY_SECRET, namespace: SIGNING_KEY_NAMESPACE },
        type: 'Opaque',
        data: { key: randomBytes(32).toString('base64') },
      });
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }
  throw errors.internal('the service-account signing key could not be created');
}

/**
 * The pod a token is bound to (what the kubelet asks for a pod's projected token): it must exist, in
 * the token's namespace, with the uid given, as kube-apiserver checks. Other kinds are refused.
 */
async function boundPod(registry: Registry, namespace: string, name: string, ref: unknown): Promise<{ name: string; uid: string } | undefined> {
  if (ref === undefined || ref === null) return undefined;
  const r = ref as { kind?: unknown; name?: unknown; uid?: unknown };
  const invalid = (field: string, message: string) =>
    errors.invalid({ group: 'authentication.k8s.io', resource: 'tokenrequests', kind: 'TokenRequest' }, name, [{ reason: 'FieldValueInvalid', message, field }]);
  if (r.kind !== 'Pod') throw invalid('spec.boundObjectRef.kind', `Unsupported value: ${JSON.stringify(r.kind)}: supported values: "Pod"`);
  if (typeof r.name !== 'string' || !r.name) throw invalid('spec.boundObjectRef.name', 'Required value');
  const pod = await registry.get('pods', namespace, r.name);
  if (typeof r.uid === 'string' && r.uid && r.uid !== pod.metadata.uid) {
    throw errors.conflict({ group: '', resource: 'pods', kind: 'Pod' }, r.name, `the UID in the bound object reference (${r.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  return { name: r.name, uid: pod.metadata.uid ?? '' };
}

interface TokenRequestBody {
  spec?: { audiences?: unknown; expirationSeconds?: unknown; boundObjectRef?: unknown };
}

/**
 * `POST serviceaccounts/<name>/token` (TokenRequest, what `kubectl create token` sends): a signed
 * token for the service account, valid `expirationSeconds` (default 1 h, 10 min to 48 h).
 */
export async function createServiceAccountToken(registry: Registry, clock: Clock, namespace: string, name: string, body: unknown) {
  const sa = await registry.get('serviceaccounts', namespace, name);
  const spec = (body as TokenRequestBody | undefined)?.spec ?? {};
  const exp = spec.expirationSeconds ?? DEFAULT_EXPIRATION_S;
  if (typeof exp !== 'number' || !Number.isInteger(exp) || exp < MIN_EXPIRATION_S) {
    throw errors.invalid({ group: 'authentication.k8s.io', resource: 'tokenrequests', kind: 'TokenRequest' }, name, [
      { reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(exp)}: may not specify a duration less than 10 minutes`, field: 'spec.expirationSeconds' },
    ]);
  }
  const seconds = Math.min(exp, MAX_EXPIRATION_S);
  const audiences = Array.isArray(spec.audiences) && spec.audiences.length > 0 ? spec.audiences.map(String) : [TOKEN_ISSUER];
  const now = Math.floor(clock.now() / 1000);
  const claims: TokenClaims = {
    iss: TOKEN_ISSUER,
    sub: `system:serviceaccount:${namespace}:${name}`,
    aud: audiences,
    exp: now + seconds,
    iat: now,
    nbf: now,
    jti: randomUUID(),
    'kubernetes.io': { namespace, serviceaccount: { name, uid: sa.metadata.uid as string } },
  };
  const bound = await boundPod(registry, namespace, name, spec.boundObjectRef);
  if (bound) claims['kubernetes.io'].pod = { name: bound.name, uid: bound.uid };
  const token = signToken(await signingKey(registry), claims);
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace, creationTimestamp: null },
    spec: { audiences, expirationSeconds: seconds, boundObjectRef: bound ? { kind: 'Pod', apiVersion: 'v1', name: bound.name, uid: bound.uid } : null },
    status: { token, expirationTimestamp: new Date(claims.exp * 1000).toISOString().replace('.000Z', 'Z') },
  };
}
