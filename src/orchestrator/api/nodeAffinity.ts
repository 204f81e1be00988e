import type { Node, Pod } from './types.js';

type Req = { key?: unknown; operator?: unknown; values?: unknown };
type Term = { matchExpressions?: Req[]; matchFields?: Req[] };

function reqMatches(r: Req, v: string | undefined): boolean {
  const values = Array.isArray(r.values) ? r.values.filter((x): x is string => typeof x === 'string') : [];
  switch (r.operator) {
    case 'In':
      return v !== undefined && values.includes(v);
    case 'NotIn':
      return v === undefined || !values.includes(v);
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
    case 'Gt':
    case 'Lt': {
      if (v === undefined || !/^-?\d+$/.test(v) || !/^-?\d+$/.test(values[0] ?? '')) return false;
      return r.operator === 'Gt' ? Number(v) > Number(values[0]) : Number(v) < Number(values[0]);
    }
    default:
      return false;
  }
}

/** A nodeSelectorTerm: every expression and field requirement holds; an empty term matches nothing. */
export function nodeSelectorTermMatches(t: Term, node: Node): boolean {
  const exprs = Array.isArray(t.matchExpressions) ? t.matchExpressions : [];
  const fields = Array.isArray(t.matchFields) ? t.matchFields : [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  return exprs.every((r) => reqMatches(r, typeof r.key === 'string' ? labels[r.key] : undefined)) && fields.every((r) => reqMatches(r, r.key === 'metadata.name' ? node.metadata.name : undefined));
}

/**
 * Whether `node` satisfies the pod's `nodeSelector` and required node affinity (ORed terms), as
 * the scheduler's NodeAffinity filter decides it. Malformed affinity matches no node.
 */
export function podMatchesNode(pod: Pod, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  const sel = pod.spec.nodeSelector ?? {};
  for (const [k, v] of Object.entries(sel)) if (labels[k] !== v) return false;
  const na = (pod.spec.affinity as { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: unknown } } } | undefined)?.nodeAffinity;
  const req = na?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!req) return true;
  const terms = Array.isArray(req.nodeSelectorTerms) ? (req.nodeSelectorTerms as Term[]) : [];
  return terms.some((t) => !!t && typeof t === 'object' && nodeSelectorTermMatches(t, node));
}
