import { ApiError } from '../../api/errors.js';
import type { RequestContext } from '../requestContext.js';
import { MASTERS_GROUP, type Authorization } from './index.js';
import { aggregate } from './rbac.js';
import { compactRules, compactString, covers } from './rules.js';
import type { PolicyRule, RoleRef } from './types.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/** `roles.rbac.authorization.k8s.io "x" is forbidden: <why>`, as kube's NewForbidden words it. */
export function rbacForbidden(resource: string, name: string, why: string): ApiError {
  return new ApiError(403, 'Forbidden', `${resource}.${RBAC_GROUP} ${JSON.stringify(name)} is forbidden: ${why}`, { name, group: RBAC_GROUP, kind: resource });
}

/** Members of `system:masters` may grant anything (kube's EscalationAllowed). */
export function escalationAllowed(user: RequestContext): boolean {
  return user.groups.includes(MASTERS_GROUP);
}

/**
 * Kube's ConfirmNoEscalation: the user must already hold every permission in `rules` (in
 * `namespace`, or cluster-wide for ''). Returns why not, listing the missing rules, or undefined.
 */
export function escalationError(authz: Authorization, user: RequestContext, namespace: string, rules: readonly PolicyRule[]): string | undefined {
  const owner = authz.rulesFor(user, namespace);
  const { covered, missing } = covers([...owner.resourceRules, ...owner.nonResourceRules], rules);
  if (covered) return undefined;
  const lines = [...new Set(compactRules(missing).map(compactString))].sort();
  const groups = `[${user.groups.map((g) => JSON.stringify(g)).join(' ')}]`;
  let msg = `user ${JSON.stringify(user.user)} (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${lines.join('\n')}`;
  if (owner.errors.length) msg += `; resolution errors: [${owner.errors.join(' ')}]`;
  return msg;
}

/**
 * Creating or changing a Role/ClusterRole (kube's role policybased storage): allowed to masters, to
 * whoever may `escalate` roles there, else only with rules the user already holds. An aggregation
 * rule needs full authority (it can pull in any role's rules).
 */
export function checkRoleWrite(authz: Authorization, user: RequestContext, resource: 'roles' | 'clusterroles', namespace: string, name: string, rules: readonly PolicyRule[], aggregated: boolean): void {
  if (escalationAllowed(user)) return;
  if (authz.allowed({ user, verb: 'escalate', resourceRequest: true, apiGroup: RBAC_GROUP, resource, namespace: namespace || undefined, name })) return;
  if (aggregated && escalationError(authz, user, '', FULL_AUTHORITY)) throw rbacForbidden(resource, name, 'must have cluster-admin privileges to use the aggregationRule');
  const err = escalationError(authz, user, namespace, rules);
  if (err) throw rbacForbidden(resource, name, err);
}

/**
 * Creating or changing a RoleBinding/ClusterRoleBinding (kube's binding policybased storage):
 * allowed to masters, to whoever may `bind` the referenced role in the binding's namespace, else
 * only when the user already holds every rule of the referenced role.
 */
export function checkBindingWrite(authz: Authorization, user: RequestContext, resource: 'rolebindings' | 'clusterrolebindings', namespace: string, name: string, ref: RoleRef): void {
  if (escalationAllowed(user)) return;
  const refResource = ref.kind === 'ClusterRole' ? 'clusterroles' : ref.kind === 'Role' ? 'roles' : undefined;
  if (refResource && authz.allowed({ user, verb: 'bind', resourceRequest: true, apiGroup: ref.apiGroup, resource: refResource, namespace: namespace || undefined, name: ref.name })) return;
  const rules = authz.rbac.roleRefRules(ref, namespace);
  if (typeof rules === 'string') throw rbacForbidden(resource, name, aggregate([rules]));
  const err = escalationError(authz, user, namespace, rules);
  if (err) throw rbacForbidden(resource, name, err);
}
