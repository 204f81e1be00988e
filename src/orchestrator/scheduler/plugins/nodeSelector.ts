import type { Node, Pod } from '../../api/types.js';
import { InvalidSpec } from '../../client/runner.js';
import { FITS, MAX_NODE_SCORE, SKIP, type CycleState, type Plugin } from '../framework.js';

interface Requirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values: string[];
}
/** A nodeSelectorTerm: all its expressions must hold (terms are ORed). */
interface Term {
  expressions: Requirement[];
  fields: Requirement[];
}
interface Parsed {
  selector: Record<string, string>;
  required?: Term[];
  preferred: { weight: number; term: Term }[];
}

const KEY = 'NodeAffinity';
const OPS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']);
const MISMATCH = "node(s) didn't match Pod's node affinity/selector";

/**
 * `spec.nodeSelector` and `affinity.nodeAffinity` (kube-scheduler's NodeAffinity): the required
 * terms filter (ORed terms of ANDed matchExpressions / matchFields on `metadata.name`), the preferred
 * ones score by the sum of matching weights. A malformed affinity is an invalid spec.
 */
export const nodeSelector: Plugin = {
  name: 'NodeAffinity',
  weight: 2,
  preFilter(state, pod) {
    const p = parse(pod);
    state.write(KEY, p);
    // No selector and no required term: every node passes.
    return Object.keys(p.selector).length === 0 && !p.required ? SKIP : undefined;
  },
  filter(state, _pod, node) {
    const p = parsed(state);
    const labels = node.node.metadata.labels ?? {};
    for (const [k, v] of Object.entries(p.selector)) if (labels[k] !== v) return [MISMATCH];
    if (p.required && !p.required.some((t) => termMatches(t, node.node))) return [MISMATCH];
    return FITS;
  },
  preScore(state) {
    const p = parsed(state);
    const total = p.preferred.reduce((n, x) => n + x.weight, 0);
    state.write(`${KEY}/total`, total);
    // No preferred term: 0 on every node.
    return total === 0 ? SKIP : undefined;
  },
  score(state, _pod, node) {
    const p = parsed(state);
    const total = state.read<number>(`${KEY}/total`) ?? 0;
    if (total === 0) return 0;
    const got = p.preferred.filter((x) => termMatches(x.term, node.node)).reduce((n, x) => n + x.weight, 0);
    return (got / total) * MAX_NODE_SCORE;
  },
};

function parsed(state: CycleState): Parsed {
  return state.read<Parsed>(KEY) ?? { selector: {}, preferred: [] };
}

/** An empty term matches no node, as in Kubernetes. */
function termMatches(t: Term, node: Node): boolean {
  if (t.expressions.length === 0 && t.fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  return t.expressions.every((r) => reqMatches(r, labels[r.key])) && t.fields.every((r) => reqMatches(r, r.key === 'metadata.name' ? node.metadata.name : undefined));
}

function reqMatches(r: Requirement, v: string | undefined): boolean {
  switch (r.operator) {
    case 'In':
      return v !== undefined && r.values.includes(v);
    case 'NotIn':
      return v === undefined || !r.values.includes(v);
    case 'Exists':
      return v !== undefined;
    case 'DoesNotExist':
      return v === undefined;
    case 'Gt':
    case 'Lt': {
      if (v === undefined || !/^-?\d+$/.test(v)) return false;
      const a = Number(v);
      const b = Number(r.values[0]);
      return r.operator === 'Gt' ? a > b : a < b;
    }
  }
}

function obj(v: unknown, path: string): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new InvalidSpec(`${path}: must be an object`);
  return v as Record<string, unknown>;
}
function arr(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new InvalidSpec(`${path}: must be a list`);
  return v;
}

function parseReq(v: unknown, path: string, field: boolean): Requirement {
  const o = obj(v, path);
  const key = o.key;
  const operator = o.operator;
  const values = arr(o.values, `${path}.values`);
  if (typeof key !== 'string' || !key) throw new InvalidSpec(`${path}.key: Required value`);
  if (typeof operator !== 'string' || !OPS.has(operator)) throw new InvalidSpec(`${path}.operator: Unsupported value: ${JSON.stringify(operator)}`);
  if (field && (key !== 'metadata.name' || (operator !== 'In' && operator !== 'NotIn'))) {
    throw new InvalidSpec(`${path}: matchFields supports only metadata.name with In or NotIn`);
  }
  if (!values.every((x) => typeof x === 'string')) throw new InvalidSpec(`${path}.values: must be strings`);
  const n = values.length;
  if ((operator === 'In' || operator === 'NotIn') && n === 0) throw new InvalidSpec(`${path}.values: Required value: must be specified when \`operator\` is 'In' or 'NotIn'`);
  if ((operator === 'Exists' || operator === 'DoesNotExist') && n > 0) throw new InvalidSpec(`${path}.values: Forbidden: may not be specified when \`operator\` is 'Exists' or 'DoesNotExist'`);
  if ((operator === 'Gt' || operator === 'Lt') && (n !== 1 || !/^-?\d+$/.test(values[0] as string))) throw new InvalidSpec(`${path}.values: must be a single integer for Gt or Lt`);
  return { key, operator: operator as Requirement['operator'], values: values as string[] };
}

function parseTerm(v: unknown, path: string): Term {
  const o = obj(v, path);
  return {
    expressions: arr(o.matchExpressions, `${path}.matchExpressions`).map((x, i) => parseReq(x, `${path}.matchExpressions[${i}]`, false)),
    fields: arr(o.matchFields, `${path}.matchFields`).map((x, i) => parseReq(x, `${path}.matchFields[${i}]`, true)),
  };
}

function parse(pod: Pod): Parsed {
  const selector = obj(pod.spec.nodeSelector, 'spec.nodeSelector') as Record<string, string>;
  const na = obj(obj(pod.spec.affinity, 'spec.affinity').nodeAffinity, 'spec.affinity.nodeAffinity');
  const base = 'spec.affinity.nodeAffinity';
  const out: Parsed = { selector, preferred: [] };
  const req = na.requiredDuringSchedulingIgnoredDuringExecution;
  if (req !== undefined && req !== null) {
    const terms = arr(obj(req, `${base}.requiredDuringSchedulingIgnoredDuringExecution`).nodeSelectorTerms, `${base}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms`);
    if (terms.length === 0) throw new InvalidSpec(`${base}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term`);
    out.required = terms.map((t, i) => parseTerm(t, `${base}.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[${i}]`));
  }
  out.preferred = arr(na.preferredDuringSchedulingIgnoredDuringExecution, `${base}.preferredDuringSchedulingIgnoredDuringExecution`).map((x, i) => {
    const path = `${base}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
    const o = obj(x, path);
    const weight = o.weight;
    if (typeof weight !== 'number' || weight < 1 || weight > 100) throw new InvalidSpec(`${path}.weight: must be in the range 1-100`);
    return { weight, term: parseTerm(o.preference, `${path}.preference`) };
  });
  return out;
}
