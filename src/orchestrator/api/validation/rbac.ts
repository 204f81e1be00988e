import type { KubeObject, StatusCause } from '../types.js';
import { asArr, asObj, invalid, notSupported, required } from './causes.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const len = (v: unknown) => (Array.isArray(v) ? v.length : 0);

/** A Role's or ClusterRole's rules, as kube's ValidatePolicyRule (Roles may not name URLs). */
function validateRules(obj: KubeObject, namespaced: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  asArr(obj.rules).forEach((raw, i) => {
    const rule = asObj(raw) ?? {};
    const at = `rules[${i}]`;
    if (len(rule.verbs) === 0) causes.push(required(`${at}.verbs`, 'verbs must contain at least one value'));
    if (len(rule.nonResourceURLs) > 0) {
      if (namespaced) causes.push(invalid(`${at}.nonResourceURLs`, rule.nonResourceURLs, 'namespaced rules cannot apply to non-resource URLs'));
      if (len(rule.apiGroups) > 0 || len(rule.resources) > 0 || len(rule.resourceNames) > 0) {
        causes.push(invalid(`${at}.nonResourceURLs`, rule.nonResourceURLs, 'rules cannot apply to both regular resources and non-resource URLs'));
      }
      return;
    }
    if (len(rule.apiGroups) === 0) causes.push(required(`${at}.apiGroups`, 'resource rules must supply at least one api group'));
    if (len(rule.resources) === 0) causes.push(required(`${at}.resources`, 'resource rules must supply at least one resource'));
  });
  return causes;
}

function validateBinding(obj: KubeObject, namespaced: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  const ref = asObj(obj.roleRef) ?? {};
  if (ref.apiGroup !== RBAC_GROUP) causes.push(notSupported('roleRef.apiGroup', ref.apiGroup ?? '', [RBAC_GROUP]));
  const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (typeof ref.kind !== 'string' || !kinds.includes(ref.kind)) causes.push(notSupported('roleRef.kind', ref.kind ?? '', kinds));
  if (typeof ref.name !== 'string' || !ref.name) causes.push(required('roleRef.name'));
  else if (ref.name === '.' || ref.name === '..' || /[/%]/.test(ref.name)) causes.push(invalid('roleRef.name', ref.name, `may not contain '/' or '%' and may not be '.' or '..'`));
  asArr(obj.subjects).forEach((raw, i) => {
    const s = asObj(raw) ?? {};
    const at = `subjects[${i}]`;
    if (typeof s.name !== 'string' || !s.name) causes.push(required(`${at}.name`));
    switch (s.kind) {
      case 'ServiceAccount':
        if (s.apiGroup) causes.push(notSupported(`${at}.apiGroup`, s.apiGroup, ['']));
        if (!namespaced && !s.namespace) causes.push(required(`${at}.namespace`));
        break;
      case 'User':
      case 'Group':
        if (s.apiGroup !== RBAC_GROUP) causes.push(notSupported(`${at}.apiGroup`, s.apiGroup ?? '', [RBAC_GROUP]));
        break;
      default:
        causes.push(notSupported(`${at}.kind`, s.kind ?? '', ['ServiceAccount', 'User', 'Group']));
    }
  });
  return causes;
}

export const validateRole = (o: KubeObject) => validateRules(o, true);
export const validateClusterRole = (o: KubeObject) => validateRules(o, false);
export const validateRoleBinding = (o: KubeObject) => validateBinding(o, true);
export const validateClusterRoleBinding = (o: KubeObject) => validateBinding(o, false);

/** A binding's roleRef never changes: delete and recreate the binding to point it elsewhere. */
export function roleRefUpdate(next: KubeObject, old: KubeObject): StatusCause[] {
  return JSON.stringify(next.roleRef) === JSON.stringify(old.roleRef) ? [] : [invalid('roleRef', next.roleRef, 'cannot change roleRef')];
}

/** v1 defaults: a User or Group subject without an apiGroup is in rbac.authorization.k8s.io. */
export function defaultSubjects(o: KubeObject): void {
  for (const raw of asArr(o.subjects)) {
    const s = asObj(raw);
    if (s && !s.apiGroup && (s.kind === 'User' || s.kind === 'Group')) s.apiGroup = RBAC_GROUP;
  }
}
