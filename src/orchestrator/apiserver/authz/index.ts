import { ApiError, errors } from '../../api/errors.js';
import type { ObjectReader } from '../objects.js';
import type { Disposable } from '../../util/disposable.js';
import type { RequestContext } from '../requestContext.js';
import { NodeAuthorizer, nodeIdentity } from './node.js';
import { NodeGraph } from './nodeGraph.js';
import { RbacAuthorizer } from './rbac.js';
import type { Attributes, AuthorizerResult, RuleResolver, RulesResult } from './types.js';

export type { Attributes, AuthorizerResult, PolicyRule, RulesResult } from './types.js';
export { nodeIdentity, NODES_GROUP } from './node.js';

/** Members are allowed everything by the first authorizer, whatever RBAC says (kube-apiserver's privileged group). */
export const MASTERS_GROUP = 'system:masters';

/**
 * The authorizer chain of `kube-apiserver --authorization-mode=Node,RBAC`, behind a privileged-group
 * authorizer for `system:masters`: the first authorizer with an opinion decides; when none allows,
 * the request is refused with every authorizer's reason. Built from the watch cache (pods and PVs for
 * the Node graph, the four RBAC kinds), so it reads only memory and answers synchronously.
 */
export class Authorization implements RuleResolver, Disposable {
  private constructor(
    readonly rbac: RbacAuthorizer,
    readonly graph: NodeGraph,
    private readonly node: NodeAuthorizer,
  ) {}

  static async create(objects: ObjectReader): Promise<Authorization> {
    const graph = await NodeGraph.create(objects);
    const rbac = await RbacAuthorizer.create(objects);
    return new Authorization(rbac, graph, new NodeAuthorizer(graph));
  }

  authorize(a: Attributes): AuthorizerResult {
    if (a.user.groups.includes(MASTERS_GROUP)) return { decision: 'allow', reason: '' };
    const reasons: string[] = [];
    for (const z of [this.node, this.rbac]) {
      const res = z.authorize(a);
      if (res.decision !== 'noOpinion') return res;
      if (res.reason) reasons.push(res.reason);
    }
    return { decision: 'noOpinion', reason: reasons.join('\n') };
  }

  allowed(a: Attributes): boolean {
    return this.authorize(a).decision === 'allow';
  }

  /** Throws a 403 worded as kube-apiserver words it unless `a` is allowed. */
  check(a: Attributes): void {
    const res = this.authorize(a);
    if (res.decision !== 'allow') throw forbidden(a, res.reason);
  }

  /** Everything `user` may do in `namespace`: SelfSubjectRulesReview and escalation checks. */
  rulesFor(user: RequestContext, namespace: string): RulesResult {
    const out = this.rbac.rulesFor(user, namespace);
    if (nodeIdentity(user).isNode) {
      out.incomplete = true;
      out.errors.unshift('node authorizer does not support user rule resolution');
    }
    return out;
  }

  dispose(): void {
    this.rbac.dispose();
    this.graph.dispose();
  }
}

/** The 403 for a refused request: `pods "x" is forbidden: User "u" cannot get resource "pods" ...: <reason>`. */
export function forbidden(a: Attributes, reason: string): ApiError {
  const suffix = reason ? `: ${reason}` : '';
  if (!a.resourceRequest) return new ApiError(403, 'Forbidden', `forbidden: User ${JSON.stringify(a.user.user)} cannot ${a.verb} path ${JSON.stringify(a.path ?? '')}${suffix}`);
  const e = errors.forbidden(a.user.user, a.verb, { group: a.apiGroup ?? '', resource: a.resource ?? '', kind: a.resource ?? '' }, a.namespace, a.name, a.subresource);
  return suffix ? new ApiError(e.code, e.reason, e.message + suffix, e.details) : e;
}

/** A route's request attributes; a list or watch naming `metadata.name` in its field selector is about that one object, as kube-apiserver's RequestInfo reads it. */
export function resourceAttributes(
  user: RequestContext,
  verb: string,
  r: { group: string; resource: string; subresource?: string; namespace?: string; name?: string },
  q?: URLSearchParams,
): Attributes {
  const fieldSelector = q?.get('fieldSelector') ?? undefined;
  let name = r.name;
  if (!name && (verb === 'list' || verb === 'watch') && fieldSelector) {
    for (const req of fieldSelector.split(',')) {
      const m = /^\s*metadata\.name\s*==?\s*(.*?)\s*$/.exec(req);
      if (m?.[1]) name = m[1];
    }
  }
  return { user, verb, resourceRequest: true, apiGroup: r.group, resource: r.resource, subresource: r.subresource, namespace: r.namespace, name, fieldSelector };
}

/** A non-resource request (`/api`, `/healthz`): the verb is the lower-cased HTTP method. */
export function pathAttributes(user: RequestContext, method: string, path: string): Attributes {
  return { user, verb: method.toLowerCase(), resourceRequest: false, path };
}
