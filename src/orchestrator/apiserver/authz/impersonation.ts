import type { IncomingMessage } from 'node:http';
import { errors } from '../../api/errors.js';
import type { RequestContext } from '../requestContext.js';
import type { Authorization } from './index.js';
import type { Attributes } from './types.js';

const SA_PREFIX = 'system:serviceaccount:';
const HEADER_PREFIX = 'impersonate-';

/**
 * Whether any header name starts with `Impersonate-` (any case). Almost no request impersonates:
 * this scan of the raw header names spares them `headersDistinct`, which builds a new object of
 * arrays of every header on each read.
 */
function sendsImpersonation(raw: readonly string[]): boolean {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length >= HEADER_PREFIX.length && (name.charCodeAt(0) | 0x20) === 0x69 && name.slice(0, HEADER_PREFIX.length).toLowerCase() === HEADER_PREFIX) return true;
  }
  return false;
}

/**
 * `Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid` and `Impersonate-Extra-<key>` (what
 * `kubectl --as`/`--as-group`/`--as-uid` send), as kube-apiserver's impersonation filter: each value
 * must be allowed by the `impersonate` verb on `users` (or `serviceaccounts` for a service account's
 * name), `groups`, `uids` and `userextras/<key>`; the request then runs as the impersonated user,
 * with `system:authenticated` added (and a service account's groups when none are asked for).
 * Returns `ctx` unchanged when the request impersonates nobody.
 */
export function impersonate(authz: Authorization, ctx: RequestContext, req: IncomingMessage): RequestContext {
  if (!sendsImpersonation(req.rawHeaders)) return ctx;
  const h = req.headersDistinct;
  const users = h['impersonate-user'] ?? [];
  const groups = h['impersonate-group'] ?? [];
  const uids = h['impersonate-uid'] ?? [];
  const extra: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(h)) {
    if (!k.startsWith('impersonate-extra-') || !v) continue;
    let key: string;
    try {
      key = decodeURIComponent(k.slice('impersonate-extra-'.length));
    } catch {
      throw errors.badRequest(`invalid Impersonate-Extra header key: ${k}`);
    }
    extra[key] = [...(extra[key] ?? []), ...v];
  }
  if (users.length === 0) {
    if (groups.length || uids.length || Object.keys(extra).length) throw errors.badRequest('requested impersonation of groups, a uid or extra fields without impersonating a user');
    return ctx;
  }
  if (users.length > 1 || uids.length > 1) throw errors.badRequest('only one Impersonate-User and one Impersonate-Uid may be given');
  const username = users[0] as string;
  const check = (a: Omit<Attributes, 'user' | 'verb' | 'resourceRequest'>) => authz.check({ user: ctx, verb: 'impersonate', resourceRequest: true, ...a });

  let impersonatedGroups = [...groups];
  if (username.startsWith(SA_PREFIX)) {
    const [ns, name] = username.slice(SA_PREFIX.length).split(':');
    if (!ns || !name) throw errors.badRequest(`invalid service account name ${JSON.stringify(username)}`);
    check({ apiGroup: '', resource: 'serviceaccounts', namespace: ns, name });
    if (groups.length === 0) impersonatedGroups = ['system:serviceaccounts', `system:serviceaccounts:${ns}`];
  } else {
    check({ apiGroup: '', resource: 'users', name: username });
  }
  for (const g of groups) check({ apiGroup: '', resource: 'groups', name: g });
  for (const [k, vs] of Object.entries(extra)) for (const v of vs) check({ apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: k, name: v });
  for (const u of uids) check({ apiGroup: 'authentication.k8s.io', resource: 'uids', name: u });

  if (username === 'system:anonymous') {
    if (!impersonatedGroups.includes('system:unauthenticated')) impersonatedGroups.push('system:unauthenticated');
  } else if (!impersonatedGroups.includes('system:authenticated') && !impersonatedGroups.includes('system:unauthenticated')) {
    impersonatedGroups.push('system:authenticated');
  }
  return { user: username, groups: impersonatedGroups, ...(uids[0] ? { uid: uids[0] } : {}), ...(Object.keys(extra).length ? { extra } : {}) };
}
