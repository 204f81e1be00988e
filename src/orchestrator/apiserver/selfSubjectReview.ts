import { errors } from '../api/errors.js';
import { findResource } from '../api/resources.js';
import { allowed } from './auth.js';
import type { RequestContext } from './requestContext.js';

/**
 * The API resources that are not stored: they answer a question about the caller. `kubectl auth
 * whoami` posts a SelfSubjectReview, `kubectl auth can-i` a SelfSubjectAccessReview. Every
 * authenticated user may create both (as under kube-apiserver's default `system:basic-user` role).
 */
export const REVIEW_RESOURCES = [
  { group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews', kind: 'SelfSubjectReview' },
  { group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview' },
] as const;

export function reviewResource(group: string, version: string, resource: string) {
  return REVIEW_RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

/** The answer to `POST .../selfsubjectreviews`: who the caller is. */
export function selfSubjectReview(ctx: RequestContext) {
  return {
    kind: 'SelfSubjectReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { creationTimestamp: null },
    status: {
      userInfo: {
        username: ctx.user,
        ...(ctx.uid ? { uid: ctx.uid } : {}),
        groups: ctx.groups,
        ...(ctx.extra ? { extra: ctx.extra } : {}),
      },
    },
  };
}

interface AccessReviewBody {
  spec?: {
    resourceAttributes?: { namespace?: string; verb?: string; group?: string; resource?: string; subresource?: string; name?: string };
    nonResourceAttributes?: { path?: string; verb?: string };
  };
}

/** The answer to `POST .../selfsubjectaccessreviews`: whether the caller may do what the spec names. */
export function selfSubjectAccessReview(ctx: RequestContext, body: unknown) {
  const spec = (body as AccessReviewBody | undefined)?.spec;
  const ra = spec?.resourceAttributes;
  const na = spec?.nonResourceAttributes;
  if (!ra && !na) {
    throw errors.invalid({ group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview' }, '', [
      { reason: 'FieldValueRequired', message: 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified', field: 'spec.resourceAttributes' },
    ]);
  }
  let ok: boolean;
  if (ra) {
    // `*` verbs and resources ask for everything: only the cluster admin has that.
    const known = ra.resource === '*' || !ra.resource ? undefined : findResource(ra.group ?? '', 'v1', ra.resource) ?? { resource: ra.resource };
    ok = known
      ? allowed(ctx, { verb: ra.verb ?? '', resource: known.resource, subresource: ra.subresource || undefined, namespace: ra.namespace || undefined, name: ra.name || undefined, group: ra.group })
      : allowed(ctx, { verb: '*', resource: '*' });
  } else {
    // Discovery, version and health paths are open to every authenticated user.
    ok = (na?.verb === 'get' && /^\/(api|apis|version|healthz|livez|readyz|openapi)(\/|$)/.test(na.path ?? '')) || allowed(ctx, { verb: '*', resource: '*' });
  }
  return {
    kind: 'SelfSubjectAccessReview',
    apiVersion: 'authorization.k8s.io/v1',
    metadata: { creationTimestamp: null },
    spec: spec ?? {},
    status: { allowed: ok, ...(ok ? { reason: 'allowed by Skiff authorizer' } : {}) },
  };
}
