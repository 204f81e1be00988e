import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { isNotFound } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import type { Client } from '../client/types.js';
import type { Store } from '../store/types.js';
import type { Disposable } from '../util/disposable.js';
import { systemClock, type Clock } from '../util/clock.js';
import { MASTERS_GROUP, NODES_GROUP } from './authz/index.js';
import type { RequestContext } from './requestContext.js';
import { serviceAccountUser, SIGNING_KEY_NAMESPACE, SIGNING_KEY_SECRET, verifyToken } from './serviceAccountTokens.js';

export const NODE_TOKEN_LABEL = 'skiff.dev/node-token';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 in one call (no Hash object per request: every request's token goes through here). */
function digest(token: string): Buffer {
  return hash('sha256', token, 'buffer');
}

const SECRETS = `/registry/secrets/${SIGNING_KEY_NAMESPACE}/`;
const SIGNING_KEY = `${SECRETS}${SIGNING_KEY_SECRET}`;
const SERVICE_ACCOUNTS = '/registry/serviceaccounts/';

/**
 * Bearer-token authentication. Three sources: the admin token (the kubeconfig's, written under
 * SKIFF_HOME); per-node tokens, each kept in Secret `kube-system/skiff-node-<node>` labelled
 * `skiff.dev/node-token`; and service-account tokens (`kubectl create token`), JWTs signed with the
 * key in Secret `kube-system/skiff-service-account-signing-key`, valid until they expire and while
 * their service account (same uid) exists. Secrets and service accounts are followed with store
 * watches, so a new token works at once and a removed node or service account stops working at once.
 */
export class TokenAuthenticator implements Disposable {
  private readonly admin: Buffer;
  /** Node tokens by the Secret that holds them (its store key): the token's digest and its node. */
  private readonly nodes = new Map<string, { digest: string; node: string }>();
  /**
   * The nodes by their token's digest: a request's token is found in one lookup, not compared with
   * every node's (with 100 nodes that loop was a measurable part of every request). A lookup by a
   * digest leaks nothing about a token: a caller cannot steer a SHA-256 toward a stored one.
   */
  private readonly nodeByDigest = new Map<string, string>();
  /** `namespace/name` -> uid of every service account. */
  private readonly serviceAccounts = new Map<string, string>();
  private signingKey: Buffer | undefined;
  private readonly subs: Disposable[] = [];
  private readonly init: Promise<unknown>;

  private constructor(adminToken: string, store: Store, private readonly clock: Clock) {
    this.admin = digest(adminToken);
    const loadSecret = (value: string, key: string) => {
      const s = JSON.parse(value) as KubeObject & { data?: Record<string, string> };
      if (key === SIGNING_KEY) {
        this.signingKey = s.data?.key ? Buffer.from(s.data.key, 'base64') : undefined;
        return;
      }
      const node = s.metadata.labels?.[NODE_TOKEN_LABEL];
      const tok = s.data?.token;
      if (node && tok) this.setNode(key, { digest: digest(Buffer.from(tok, 'base64').toString()).toString('base64'), node });
      else this.setNode(key, undefined);
    };
    const saKey = (key: string) => key.slice(SERVICE_ACCOUNTS.length);
    const loadSa = (value: string, key: string) => this.serviceAccounts.set(saKey(key), (JSON.parse(value) as KubeObject).metadata.uid ?? '');
    // Watch first, from the current revision, then list: nothing between the two is missed.
    const rev = store.currentRevision();
    this.subs.push(
      store.watch(SECRETS, rev, (ev) => {
        if (ev.type === 'delete') {
          this.setNode(ev.entry.key, undefined);
          if (ev.entry.key === SIGNING_KEY) this.signingKey = undefined;
        } else loadSecret(ev.entry.value, ev.entry.key);
      }),
      store.watch(SERVICE_ACCOUNTS, rev, (ev) => {
        if (ev.type === 'delete') this.serviceAccounts.delete(saKey(ev.entry.key));
        else loadSa(ev.entry.value, ev.entry.key);
      }),
    );
    this.init = Promise.all([
      store.list(SECRETS).then(({ items }) => {
        for (const e of items) if (!this.nodes.has(e.key)) loadSecret(e.value, e.key);
      }),
      store.list(SERVICE_ACCOUNTS).then(({ items }) => {
        for (const e of items) if (!this.serviceAccounts.has(saKey(e.key))) loadSa(e.value, e.key);
      }),
    ]);
  }

  static async create(adminToken: string, store: Store, clock: Clock = systemClock): Promise<TokenAuthenticator> {
    const a = new TokenAuthenticator(adminToken, store, clock);
    await a.init;
    return a;
  }

  private setNode(key: string, entry: { digest: string; node: string } | undefined): void {
    const old = this.nodes.get(key);
    if (entry) this.nodes.set(key, entry);
    else this.nodes.delete(key);
    if (old) {
      // Rare (a token rotated or removed): rebuild the old digest's entry from what is left.
      this.nodeByDigest.delete(old.digest);
      for (const n of this.nodes.values()) if (n.digest === old.digest) this.nodeByDigest.set(n.digest, n.node);
    }
    if (entry) this.nodeByDigest.set(entry.digest, entry.node);
  }

  /** Returns the caller, or undefined for a missing, unknown or expired token. */
  authenticate(authorization: string | undefined): RequestContext | undefined {
    const m = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!m) return undefined;
    const token = m[1] as string;
    const d = digest(token);
    if (timingSafeEqual(d, this.admin)) return { user: 'skiff-admin', groups: [MASTERS_GROUP, 'system:authenticated'] };
    const node = this.nodeByDigest.get(d.toString('base64'));
    if (node !== undefined) return { user: `system:node:${node}`, groups: [NODES_GROUP, 'system:authenticated'] };
    if (this.signingKey && token.split('.').length === 3) {
      const claims = verifyToken(this.signingKey, token, { now: this.clock.now() });
      if (!claims) return undefined;
      const sa = claims['kubernetes.io'];
      if (this.serviceAccounts.get(`${sa.namespace}/${sa.serviceaccount.name}`) !== sa.serviceaccount.uid) return undefined;
      return serviceAccountUser(claims);
    }
    return undefined;
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
  }
}

/** The token a node's agent uses: created once per node, returned again on later calls. */
export async function issueNodeToken(client: Client, nodeName: string): Promise<string> {
  const name = `skiff-node-${nodeName}`;
  try {
    const s = await client.get<KubeObject & { data?: Record<string, string> }>('secrets', 'kube-system', name);
    const t = s.data?.token;
    if (t) return Buffer.from(t, 'base64').toString();
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  const token = newToken();
  await client.create('secrets', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'kube-system', labels: { [NODE_TOKEN_LABEL]: nodeName } },
    type: 'skiff.dev/node-token',
    data: { token: Buffer.from(token).toString('base64') },
  });
  return token;
}
