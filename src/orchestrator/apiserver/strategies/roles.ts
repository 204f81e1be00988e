import type { KubeObject } from '../../api/types.js';
import { checkRoleWrite } from '../authz/escalation.js';
import type { Authorization } from '../authz/index.js';
import { toRule } from '../authz/rules.js';
import type { PolicyRule } from '../authz/types.js';
import type { Strategy } from './types.js';

const rulesOf = (o: KubeObject): PolicyRule[] => (Array.isArray(o.rules) ? o.rules.map(toRule).filter((r): r is PolicyRule => !!r) : []);
const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Roles and ClusterRoles: the RBAC escalation check (see authz/escalation.ts) on create, and on
 * update when the rules or the aggregation rule change; other edits (labels, annotations) pass.
 */
export function roleStrategy(authz: Authorization, resource: 'roles' | 'clusterroles'): Strategy {
  return {
    admit(obj, current, req) {
      if (current && same(obj.rules, current.rules) && same(obj.aggregationRule, current.aggregationRule)) return;
      const aggregated = obj.aggregationRule !== undefined && obj.aggregationRule !== null && !same(obj.aggregationRule, current?.aggregationRule);
      checkRoleWrite(authz, req, resource, obj.metadata.namespace ?? '', obj.metadata.name ?? '', rulesOf(obj), aggregated);
    },
  };
}
