import type { Disposable } from '../../util/disposable.js';
import type { RequestContext } from '../requestContext.js';
import { ruleAllows, toRule } from './rules.js';
import type { ObjectReader } from '../objects.js';
import type { Attributes, Authorizer, AuthorizerResult, PolicyRule, RoleRef, RuleResolver, RulesResult, Subject } from './types.js';

interface Binding {
  namespace?: string;
  name: string;
  roleRef: RoleRef;
  subjects: Subject[];
}

function toBinding(v: unknown): Binding | undefined {
  const o = v as { metadata?: { name?: string; namespace?: string }; roleRef?: RoleRef; subjects?: unknown };
  if (!o?.metadata?.name || !o.roleRef || typeof o.roleRef.name !== 'string') return undefined;
  const subjects = Array.isArray(o.subjects) ? (o.subjects.filter((s) => s && typeof s === 'object' && typeof (s as Subject).name === 'string') as Subject[]) : [];
  return { namespace: o.metadata.namespace, name: o.metadata.name, roleRef: o.roleRef, subjects };
}

function toRules(v: unknown): PolicyRule[] {
  const rules = (v as { rules?: unknown })?.rules;
  return Array.isArray(rules) ? rules.map(toRule).filter((r): r is PolicyRule => !!r) : [];
}

/** Whether `subject` names `user` (kube-apiserver's appliesToUser); `namespace` defaults a ServiceAccount's. */
export function appliesTo(user: RequestContext, subject: Subject, namespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.user === subject.name;
    case 'Group':
      return user.groups.includes(subject.name);
    case 'ServiceAccount': {
      const ns = subject.namespace || namespace;
      return !!ns && user.user === `system:serviceaccount:${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

type Visitor = (source: string | undefined, rule: PolicyRule | undefined, err: string | undefined) => boolean;

/**
 * The RBAC authorizer and rule resolver, as kube-apiserver's (plugin/pkg/auth/authorizer/rbac):
 * a request is allowed when a rule of a role bound to the user allows it: ClusterRoleBindings
 * everywhere, RoleBindings in their namespace (a RoleBinding may grant a ClusterRole's rules there).
 * Never denies: no matching rule is "no opinion", which the chain turns into a 403. Roles and
 * bindings are followed in memory from the watch cache, so a new binding applies to the next request.
 */
export class RbacAuthorizer implements Authorizer, RuleResolver, Disposable {
  private readonly roles = new Map<string, PolicyRule[]>();
  private readonly clusterRoles = new Map<string, PolicyRule[]>();
  /** RoleBindings by namespace, then name: a request reads only its namespace's. */
  private readonly roleBindings = new Map<string, Map<string, Binding>>();
  private readonly clusterRoleBindings = new Map<string, Binding>();
  private readonly subs: Disposable[] = [];

  static async create(objects: ObjectReader): Promise<RbacAuthorizer> {
    const a = new RbacAuthorizer();
    const keyOf = (prefix: string) => (k: string) => k.slice(prefix.length);
    const follow = async <T>(prefix: string, map: Map<string, T>, decode: (v: unknown) => T | undefined) => {
      const key = keyOf(prefix);
      a.subs.push(
        await objects.follow(
          prefix,
          (k, v) => {
            const d = decode(v);
            if (d === undefined) map.delete(key(k));
            else map.set(key(k), d);
          },
          (k) => map.delete(key(k)),
        ),
      );
    };
    await follow('/registry/roles/', a.roles, toRules);
    await follow('/registry/clusterroles/', a.clusterRoles, toRules);
    const byNs = (k: string) => {
      const rest = k.slice('/registry/rolebindings/'.length);
      const slash = rest.indexOf('/');
      return [rest.slice(0, slash), rest.slice(slash + 1)] as const;
    };
    a.subs.push(
      await objects.follow(
        '/registry/rolebindings/',
        (k, v) => {
          const [ns, name] = byNs(k);
          const b = toBinding(v);
          let m = a.roleBindings.get(ns);
          if (!m) a.roleBindings.set(ns, (m = new Map()));
          if (b) m.set(name, b);
          else m.delete(name);
        },
        (k) => {
          const [ns, name] = byNs(k);
          const m = a.roleBindings.get(ns);
          m?.delete(name);
          if (m?.size === 0) a.roleBindings.delete(ns);
        },
      ),
    );
    await follow('/registry/clusterrolebindings/', a.clusterRoleBindings, toBinding);
    return a;
  }

  /** The rules a role reference stands for, or an error as kube-apiserver words it. */
  roleRefRules(ref: RoleRef, namespace: string): PolicyRule[] | string {
    if (ref.kind === 'ClusterRole') return this.clusterRoles.get(ref.name) ?? `clusterrole.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found`;
    if (ref.kind === 'Role') return this.roles.get(`${namespace}/${ref.name}`) ?? `role.rbac.authorization.k8s.io ${JSON.stringify(ref.name)} not found`;
    return `unsupported role reference kind: ${JSON.stringify(ref.kind)}`;
  }

  /** Calls `visit` with every rule granted to `user` in `namespace` ('' = cluster-wide only), until it returns false. */
  visitRulesFor(user: RequestContext, namespace: string, visit: Visitor): void {
    for (const b of this.clusterRoleBindings.values()) {
      const subject = b.subjects.find((s) => appliesTo(user, s, ''));
      if (!subject) continue;
      const rules = this.roleRefRules(b.roleRef, '');
      if (typeof rules === 'string') {
        if (!visit(undefined, undefined, rules)) return;
        continue;
      }
      const source = `ClusterRoleBinding ${JSON.stringify(b.name)} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(subject, '')}`;
      for (const r of rules) if (!visit(source, r, undefined)) return;
    }
    if (!namespace) return;
    for (const b of this.roleBindings.get(namespace)?.values() ?? []) {
      const subject = b.subjects.find((s) => appliesTo(user, s, namespace));
      if (!subject) continue;
      const rules = this.roleRefRules(b.roleRef, namespace);
      if (typeof rules === 'string') {
        if (!visit(undefined, undefined, rules)) return;
        continue;
      }
      const source = `RoleBinding ${JSON.stringify(`${b.name}/${namespace}`)} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(subject, namespace)}`;
      for (const r of rules) if (!visit(source, r, undefined)) return;
    }
  }

  authorize(a: Attributes): AuthorizerResult {
    const errs: string[] = [];
    let allowedBy: string | undefined;
    this.visitRulesFor(a.user, a.namespace ?? '', (source, rule, err) => {
      if (err) errs.push(err);
      if (rule && ruleAllows(a, rule)) {
        allowedBy = source;
        return false;
      }
      return true;
    });
    if (allowedBy) return { decision: 'allow', reason: `RBAC: allowed by ${allowedBy}` };
    return { decision: 'noOpinion', reason: errs.length ? `RBAC: ${aggregate(errs)}` : '' };
  }

  rulesFor(user: RequestContext, namespace: string): RulesResult {
    const out: RulesResult = { resourceRules: [], nonResourceRules: [], incomplete: false, errors: [] };
    this.visitRulesFor(user, namespace, (_s, rule, err) => {
      if (err) {
        out.errors.push(err);
        out.incomplete = true;
      }
      if (rule) {
        if (rule.nonResourceURLs?.length) out.nonResourceRules.push({ verbs: rule.verbs, nonResourceURLs: rule.nonResourceURLs });
        if (rule.resources?.length) {
          const { nonResourceURLs: _u, ...r } = rule;
          out.resourceRules.push(r);
        }
      }
      return true;
    });
    return out;
  }

  dispose(): void {
    for (const s of this.subs.splice(0)) s.dispose();
  }
}

/** Go's utilerrors aggregate format: one error as is, several as `[a, b]`. */
export function aggregate(errs: string[]): string {
  return errs.length === 1 ? (errs[0] as string) : `[${errs.join(', ')}]`;
}
