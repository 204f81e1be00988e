import type { RequestContext } from '../requestContext.js';

/** What a request asks to do, as kube-apiserver's `authorizer.Attributes`. */
export interface Attributes {
  user: RequestContext;
  /** Lower-case Kubernetes verb (`get`, `list`, `create`, `impersonate`, ...) or HTTP method for paths. */
  verb: string;
  /** True for `/api/...` and `/apis/...` resource paths; false for discovery, health and other paths. */
  resourceRequest: boolean;
  /** API group, '' for core. */
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** The URL path of a non-resource request (`/api`, `/healthz`). */
  path?: string;
  /** The request's field selector (`spec.nodeName=n1`), for authorizers that look at it (Node). */
  fieldSelector?: string;
}

export type Decision = 'allow' | 'deny' | 'noOpinion';

export interface AuthorizerResult {
  decision: Decision;
  /** Why: appended to a 403's message when the request is refused, shown by access reviews. */
  reason: string;
}

/** One mode of `--authorization-mode`. Pure and synchronous: it reads only in-memory caches. */
export interface Authorizer {
  authorize(a: Attributes): AuthorizerResult;
}

/** A rule of a Role or ClusterRole (rbac.authorization.k8s.io/v1 PolicyRule). */
export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

/** A binding's subject (rbac.authorization.k8s.io/v1 Subject). */
export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount' | string;
  apiGroup?: string;
  name: string;
  namespace?: string;
}

export interface RoleRef {
  apiGroup: string;
  kind: 'Role' | 'ClusterRole' | string;
  name: string;
}

/** Everything a user may do in a namespace (or cluster-wide): SelfSubjectRulesReview's answer. */
export interface RulesResult {
  resourceRules: PolicyRule[];
  nonResourceRules: PolicyRule[];
  /** True when an authorizer cannot list its rules (the Node authorizer) or a role is missing. */
  incomplete: boolean;
  errors: string[];
}

/** Lists a user's rules: RBAC's `VisitRulesFor`, used by escalation checks and rules reviews. */
export interface RuleResolver {
  rulesFor(user: RequestContext, namespace: string): RulesResult;
}
