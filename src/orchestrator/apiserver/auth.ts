import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { errors, isNotFound } from '../api/errors.js';
import { resourceType } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import type { Client } from '../client/types.js';
import type { Store, Disposable } from '../store/types.js';
import type { RequestContext } from './registry.js';

export const NODE_TOKEN_LABEL = 'skiff.dev/node-token';
export const NODES_GROUP = 'system:nodes';
export const MASTERS_GROUP = 'system:masters';

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * Bearer-token authentication. Two sources: the admin token (the kubeconfig's, written under
 * SKIFF_HOME) and per-node tokens, each kept in Secret `kube-system/skiff-node-<node>` labelled
 * `skiff.dev/node-token`. The node tokens are followed with a store watch, so a new node's token
 * works at once and a removed node's token stops working at once.
 */
export class TokenAuthenticator implements Disposable {
  private readonly admin: Buffer;
  private readonly nodes = new Map<string, { digest: Buffer; node: string }>();
  private readonly sub: Disposable;

  private constructor(adminToken: string, store: Store) {
    this.admin = digest(adminToken);
    const prefix = '/registry/secrets/kube-system/';
    const load = (value: string, key: string) => {
      const s = JSON.parse(value) as KubeObject & { data?: Record<string, string> };
      const node = s.metadata.labels?.[NODE_TOKEN_LABEL];
      const tok = s.data?.token;
      if (node && tok) this.nodes.set(key, { digest: digest(Buffer.from(tok, 'base64').toString()), node });
      else this.nodes.delete(key);
    };
    this.sub = store.watch(prefix, store.currentRevision(), (ev) => {
      if (ev.type === 'delete') this.nodes.delete(ev.entry.key);
      else load(ev.entry.value, ev.entry.key);
    });
    this.init = store.list(prefix).then(({ items }) => {
      for (const e of items) if (!this.nodes.has(e.key)) load(e.value, e.key);
    });
  }

  private init: Promise<void>;

  static async create(adminToken: string, store: Store): Promise<TokenAuthenticator> {
    const a = new TokenAuthenticator(adminToken, store);
    await a.init;
    return a;
  }

  /** Returns the caller, or undefined for a missing or unknown token. */
  authenticate(authorization: string | undefined): RequestContext | undefined {
    const m = authorization?.match(/^Bearer\s+(\S+)\s*$/i);
    if (!m) return undefined;
    const d = digest(m[1] as string);
    if (timingSafeEqual(d, this.admin)) return { user: 'skiff-admin', groups: [MASTERS_GROUP, 'system:authenticated'] };
    for (const n of this.nodes.values()) {
      if (timingSafeEqual(d, n.digest)) return { user: `system:node:${n.node}`, groups: [NODES_GROUP, 'system:authenticated'] };
    }
    return undefined;
  }

  dispose(): void {
    this.sub.dispose();
  }
}

export interface Attributes {
  verb: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

const READ = new Set(['get', 'list', 'watch']);

/**
 * Authorization. `system:masters` may do anything. A node may read what its agent needs (nodes,
 * pods, services, endpoints, configmaps, secrets) and write only its own Node, pod status, pod
 * deletion (to finish a graceful delete) and events: the scope a kubelet has under Kubernetes'
 * Node authorizer, kept simple.
 */
export function authorize(ctx: RequestContext, a: Attributes): void {
  if (ctx.groups.includes(MASTERS_GROUP)) return;
  if (ctx.groups.includes(NODES_GROUP)) {
    const node = ctx.user.slice('system:node:'.length);
    if (READ.has(a.verb) && ['nodes', 'pods', 'services', 'endpoints', 'configmaps', 'secrets', 'persistentvolumeclaims', 'namespaces'].includes(a.resource)) return;
    if (a.resource === 'nodes' && (a.verb === 'create' || a.name === node)) return;
    if (a.resource === 'pods' && (a.subresource === 'status' || a.verb === 'delete')) return;
    if (a.resource === 'events' && ['create', 'update', 'patch'].includes(a.verb)) return;
    if (a.resource === 'leases') return;
  }
  let r;
  try {
    r = resourceType(a.resource);
  } catch {
    r = { group: '', resource: a.resource, kind: a.resource };
  }
  throw errors.forbidden(ctx.user, a.verb, r, a.namespace, a.name);
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
