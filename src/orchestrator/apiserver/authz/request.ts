import type { IncomingMessage } from 'node:http';
import { errors } from '../../api/errors.js';
import type { RequestContext } from '../requestContext.js';
import { impersonate } from './impersonation.js';
import type { Authorization } from './index.js';

/** What the handler needs to know who asks. */
export interface Identify {
  authz: Authorization;
  authenticator?: { authenticate(authorization: string | undefined): RequestContext | undefined };
}

/**
 * Who a request runs as: the in-process caller's identity, else the bearer token's user (401 when
 * none), then whoever it impersonates (`kubectl --as`), if it may.
 */
export function identify(deps: Identify, req: IncomingMessage, identity?: RequestContext): RequestContext {
  const ctx = identity ?? deps.authenticator?.authenticate(req.headers.authorization);
  if (!ctx) throw errors.unauthorized();
  return impersonate(deps.authz, ctx, req);
}
