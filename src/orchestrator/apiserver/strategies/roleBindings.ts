import type { KubeObject } from '../../api/types.js';
import { checkBindingWrite } from '../authz/escalation.js';
import type { Authorization } from '../authz/index.js';
import type { RoleRef } from '../authz/types.js';
import type { Strategy } from './types.js';

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * RoleBindings and ClusterRoleBindings: binding a role needs `bind` on it or every permission it
 * grants (authz/escalation.ts), on create and when the subjects change (the roleRef never does).
 */
export function roleBindingStrategy(authz: Authorization, resource: 'rolebindings' | 'clusterrolebindings'): Strategy {
  return {
    admit(obj: KubeObject, current, req) {
      if (current && same(obj.subjects, current.subjects) && same(obj.roleRef, current.roleRef)) return;
      checkBindingWrite(authz, req, resource, obj.metadata.namespace ?? '', obj.metadata.name ?? '', obj.roleRef as RoleRef);
    },
  };
}
