import { errors } from '../../api/errors.js';
import type { StatusCause } from '../../api/types.js';
import type { RequestContext } from '../requestContext.js';
import { pathAttributes, resourceAttributes, type Authorization } from './index.js';
import type { Attributes } from './types.js';

/**
 * The API resources that are not stored: they answer a question about a user. `kubectl auth whoami`
 * posts a SelfSubjectReview, `kubectl auth can-i` a SelfSubjectAccessReview, `can-i --list` a
 * SelfSubjectRulesReview; SubjectAccessReview and LocalSubjectAccessReview ask about someone else.
 * Creating one is itself authorized (`system:basic-user` grants the self reviews to everyone).
 */
export const REVIEW_RESOURCES = [
  { group: 'authentication.k8s.io', version: 'v1', resource: 'selfsubjectreviews', kind: 'SelfSubjectReview', namespaced: false },
  { group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview', namespaced: false },
  { group: 'authorization.k8s.io', version: 'v1', resource: 'selfsubjectrulesreviews', kind: 'SelfSubjectRulesReview', namespaced: false },
  { group: 'authorization.k8s.io', version: 'v1', resource: 'subjectaccessreviews', kind: 'SubjectAccessReview', namespaced: false },
  { group: 'authorization.k8s.io', version: 'v1', resource: 'localsubjectaccessreviews', kind: 'LocalSubjectAccessReview', namespaced: true },
] as const;

export type ReviewResource = (typeof REVIEW_RESOURCES)[number];

/** The review a path names: `/apis/<g>/<v>/<resource>` or, for local reviews, `/apis/<g>/<v>/namespaces/<ns>/<resource>`. */
export function matchReview(path: string): { rr: ReviewResource; namespace?: string } | undefined {
  const m = /^\/apis\/([^/]+)\/([^/]+)\/(?:namespaces\/([^/]+)\/)?([^/]+)$/.exec(path);
  if (!m) return undefined;
  const [, group, version, ns, resource] = m;
  const rr = REVIEW_RESOURCES.find((r) => r.group === group && r.version === version && r.resource === resource);
  if (!rr || rr.namespaced !== (ns !== undefined)) return undefined;
  if (ns === undefined) return { rr };
  try {
    return { rr, namespace: decodeURIComponent(ns) };
  } catch {
    return undefined;
  }
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

function invalid(rr: ReviewResource, causes: StatusCause[]) {
  return errors.invalid({ group: rr.group, resource: rr.resource, kind: rr.kind }, '', causes);
}

/** Answers a review POST: authorizes creating it, then asks the chain the question the body holds. */
export function serveReview(authz: Authorization, ctx: RequestContext, rr: ReviewResource, namespace: string | undefined, body: unknown): unknown {
  authz.check(resourceAttributes(ctx, 'create', { group: rr.group, resource: rr.resource, namespace }));
  const spec = obj(obj(body).spec);
  const head = { kind: rr.kind, apiVersion: `${rr.group}/${rr.version}`, metadata: { creationTimestamp: null, ...(namespace ? { namespace } : {}) } };
  switch (rr.resource) {
    case 'selfsubjectreviews':
      return { ...head, status: { userInfo: userInfo(ctx) } };
    case 'selfsubjectrulesreviews': {
      const ns = str(spec.namespace);
      const rules = authz.rulesFor(ctx, ns);
      const status = {
        resourceRules: rules.resourceRules,
        nonResourceRules: rules.nonResourceRules,
        incomplete: rules.incomplete,
        ...(rules.errors.length ? { evaluationError: rules.errors.join(', ') } : {}),
      };
      return { ...head, spec: { namespace: ns }, status };
    }
    default: {
      let who = ctx;
      if (rr.resource !== 'selfsubjectaccessreviews') {
        const user = str(spec.user);
        const groups = strs(spec.groups);
        if (!user && groups.length === 0) throw invalid(rr, [{ reason: 'FieldValueInvalid', message: 'Invalid value: "": at least one of user or group must be specified', field: 'spec.user' }]);
        const extra = Object.fromEntries(Object.entries(obj(spec.extra)).map(([k, v]) => [k, strs(v)]));
        who = { user, groups, ...(str(spec.uid) ? { uid: str(spec.uid) } : {}), ...(Object.keys(extra).length ? { extra } : {}) };
      }
      const a = accessAttributes(rr, who, spec, namespace);
      const res = authz.authorize(a);
      const allowed = res.decision === 'allow';
      return { ...head, spec, status: { allowed, ...(res.decision === 'deny' ? { denied: true } : {}), ...(res.reason ? { reason: res.reason } : {}) } };
    }
  }
}

function accessAttributes(rr: ReviewResource, who: RequestContext, spec: Obj, namespace: string | undefined): Attributes {
  const ra = spec.resourceAttributes === undefined || spec.resourceAttributes === null ? undefined : obj(spec.resourceAttributes);
  const na = spec.nonResourceAttributes === undefined || spec.nonResourceAttributes === null ? undefined : obj(spec.nonResourceAttributes);
  if (!ra === !na) {
    throw invalid(rr, [{ reason: 'FieldValueRequired', message: 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified', field: 'spec.resourceAttributes' }]);
  }
  if (na) return pathAttributes(who, str(na.verb), str(na.path));
  let ns = str(ra?.namespace);
  if (namespace !== undefined) {
    if (ns && ns !== namespace) throw invalid(rr, [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(ns)}: must match metadata.namespace`, field: 'spec.resourceAttributes.namespace' }]);
    ns = namespace;
  }
  return resourceAttributes(who, str(ra?.verb), {
    group: str(ra?.group),
    resource: str(ra?.resource),
    subresource: str(ra?.subresource) || undefined,
    namespace: ns || undefined,
    name: str(ra?.name) || undefined,
  });
}

function userInfo(ctx: RequestContext) {
  return { username: ctx.user, ...(ctx.uid ? { uid: ctx.uid } : {}), groups: ctx.groups, ...(ctx.extra ? { extra: ctx.extra } : {}) };
}
