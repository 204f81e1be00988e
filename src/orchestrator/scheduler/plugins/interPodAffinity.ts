import { selectorMatches } from '../../api/selectors.js';
import type { LabelSelector, Pod } from '../../api/types.js';
import { InvalidSpec } from '../../client/runner.js';
import { FITS, MAX_NODE_SCORE, SKIP, type NodeInfo, type Plugin } from '../framework.js';

const KEY = 'InterPodAffinity';

interface Term {
  selector?: LabelSelector;
  /** Namespaces the term looks in; undefined: every namespace (`namespaceSelector: {}`). */
  namespaces?: Set<string>;
  topologyKey: string;
}

interface Weighted extends Term {
  weight: number;
}

interface Parsed {
  affinity: Term[];
  anti: Term[];
  preferred: Weighted[];
  preferredAnti: Weighted[];
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function term(raw: unknown, ownNs: string, path: string): Term {
  const t = obj(raw);
  const topologyKey = typeof t.topologyKey === 'string' ? t.topologyKey : '';
  if (!topologyKey) throw new InvalidSpec(`${path}.topologyKey: Required value: can not be empty`);
  const names = list(t.namespaces).filter((n): n is string => typeof n === 'string');
  const nsSel = t.namespaceSelector;
  let namespaces: Set<string> | undefined = new Set(names.length ? names : [ownNs]);
  if (nsSel !== undefined && nsSel !== null) {
    const s = obj(nsSel);
    // An empty selector means every namespace. Labelled ones would need the Namespaces' labels:
    // refused loudly rather than guessed.
    if (Object.keys(obj(s.matchLabels)).length || list(s.matchExpressions).length) {
      throw new InvalidSpec(`${path}.namespaceSelector: Unsupported value: a namespaceSelector with labels is not supported by Skiff's scheduler yet; list the namespaces in ${path}.namespaces`);
    }
    namespaces = names.length ? new Set(names) : undefined;
  }
  return { ...(t.labelSelector ? { selector: t.labelSelector as LabelSelector } : {}), ...(namespaces ? { namespaces } : {}), topologyKey };
}

/** The pod's affinity.podAffinity / podAntiAffinity, parsed once per cycle. */
export function parseAffinity(pod: Pod): Parsed {
  const a = obj(pod.spec.affinity);
  const ns = pod.metadata.namespace ?? 'default';
  const out: Parsed = { affinity: [], anti: [], preferred: [], preferredAnti: [] };
  for (const [key, req, pref] of [['podAffinity', out.affinity, out.preferred], ['podAntiAffinity', out.anti, out.preferredAnti]] as const) {
    const base = `spec.affinity.${key}`;
    const x = obj(a[key]);
    list(x.requiredDuringSchedulingIgnoredDuringExecution).forEach((t, i) => req.push(term(t, ns, `${base}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`)));
    list(x.preferredDuringSchedulingIgnoredDuringExecution).forEach((w, i) => {
      const wo = obj(w);
      const weight = typeof wo.weight === 'number' ? wo.weight : 0;
      if (weight < 1 || weight > 100) throw new InvalidSpec(`${base}.preferredDuringSchedulingIgnoredDuringExecution[${i}].weight: Invalid value: ${weight}: must be in the range 1-100`);
      pref.push({ ...term(wo.podAffinityTerm, ns, `${base}.preferredDuringSchedulingIgnoredDuringExecution[${i}].podAffinityTerm`), weight });
    });
  }
  return out;
}

function matches(t: Term, p: Pod): boolean {
  if (p.metadata.deletionTimestamp) return false;
  if (t.namespaces && !t.namespaces.has(p.metadata.namespace ?? 'default')) return false;
  return !!t.selector && selectorMatches(t.selector, p.metadata.labels);
}

function domainOf(n: NodeInfo, key: string): string | undefined {
  return n.node.metadata.labels?.[key];
}

/** Topology values (of `t.topologyKey`) of the nodes running a pod the term matches, with counts. */
function domains(t: Term, nodes: readonly NodeInfo[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const n of nodes) {
    const v = domainOf(n, t.topologyKey);
    if (v === undefined) continue;
    const c = n.pods.filter((p) => matches(t, p)).length;
    if (c) out.set(v, (out.get(v) ?? 0) + c);
  }
  return out;
}

interface State {
  parsed: Parsed;
  affinityDomains: Map<string, number>[];
  antiDomains: Map<string, number>[];
  /** Existing pods' required anti-affinity that the incoming pod matches: topologyKey -> forbidden values. */
  existingAnti: { topologyKey: string; value: string }[];
  /** No pod matches any affinity term, but the pod matches them itself: the first of its group. */
  selfAffine: boolean;
  /** Every node of the cycle: preferred terms count matching pods on infeasible nodes too. */
  nodes: readonly NodeInfo[];
}

/**
 * kube-scheduler's InterPodAffinity: required pod affinity (the node's topology domain must hold a
 * pod each term matches; the first pod of a group that matches its own terms may go anywhere),
 * required anti-affinity (the domain must hold none), the anti-affinity of pods already placed
 * (symmetry), and preferred terms as a score. Any topology key works (hostname, zone, a custom label).
 */
export const interPodAffinity: Plugin = {
  name: 'InterPodAffinity',
  weight: 2,
  preFilter(state, pod, nodes) {
    const parsed = parseAffinity(pod);
    const existingAnti: State['existingAnti'] = [];
    for (const n of nodes) {
      for (const other of n.podsWithAffinity) {
        let anti: Term[];
        try {
          anti = parseAffinity(other).anti;
        } catch {
          continue;
        }
        for (const t of anti) {
          const v = domainOf(n, t.topologyKey);
          if (v !== undefined && matches(t, pod)) existingAnti.push({ topologyKey: t.topologyKey, value: v });
        }
      }
    }
    const affinityDomains = parsed.affinity.map((t) => domains(t, nodes));
    const selfAffine = affinityDomains.every((d) => d.size === 0) && parsed.affinity.every((t) => matches(t, { ...pod, metadata: { ...pod.metadata, deletionTimestamp: undefined } }));
    const s: State = { parsed, affinityDomains, antiDomains: parsed.anti.map((t) => domains(t, nodes)), existingAnti, selfAffine, nodes };
    state.write(KEY, s);
    // No required term of its own and no placed pod's anti-affinity against it: every node passes.
    return parsed.affinity.length === 0 && parsed.anti.length === 0 && existingAnti.length === 0 ? SKIP : undefined;
  },
  filter(state, _pod, node) {
    const s = state.read<State>(KEY);
    if (!s) return FITS;
    if (s.existingAnti.some((e) => domainOf(node, e.topologyKey) === e.value)) return ["node(s) didn't satisfy existing pods anti-affinity rules"];
    for (let i = 0; i < s.parsed.affinity.length; i++) {
      const t = s.parsed.affinity[i] as Term;
      const v = domainOf(node, t.topologyKey);
      if (v === undefined) return ["node(s) didn't match pod affinity rules"];
      if (!s.selfAffine && !s.affinityDomains[i]?.has(v)) return ["node(s) didn't match pod affinity rules"];
    }
    for (let i = 0; i < s.parsed.anti.length; i++) {
      const t = s.parsed.anti[i] as Term;
      const v = domainOf(node, t.topologyKey);
      if (v !== undefined && s.antiDomains[i]?.has(v)) return ["node(s) didn't match pod anti-affinity rules"];
    }
    return FITS;
  },
  preScore(state, _pod, nodes) {
    const s = state.read<State>(KEY);
    if (!s || (s.parsed.preferred.length === 0 && s.parsed.preferredAnti.length === 0)) return SKIP;
    const raw = new Map<string, number>();
    const pref = s.parsed.preferred.map((t) => ({ t, d: domains(t, s.nodes), sign: 1 }));
    const prefAnti = s.parsed.preferredAnti.map((t) => ({ t, d: domains(t, s.nodes), sign: -1 }));
    for (const n of nodes) {
      let total = 0;
      for (const { t, d, sign } of [...pref, ...prefAnti]) {
        const v = domainOf(n, t.topologyKey);
        if (v !== undefined) total += sign * t.weight * (d.get(v) ?? 0);
      }
      raw.set(n.name, total);
    }
    const vals = [...raw.values()];
    const min = Math.min(...vals);
    const max = Math.max(...vals);
    state.write(`${KEY}/scores`, new Map([...raw].map(([k, v]) => [k, max === min ? 0 : ((v - min) * MAX_NODE_SCORE) / (max - min)])));
  },
  score(state, _pod, node) {
    return state.read<Map<string, number>>(`${KEY}/scores`)?.get(node.name) ?? 0;
  },
};
