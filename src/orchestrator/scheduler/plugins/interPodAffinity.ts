import { selectorMatches } from '../../api/selectors.js';
import type { KubeObject, LabelSelector, Pod } from '../../api/types.js';
import { InvalidSpec } from '../../client/runner.js';
import { FITS, MAX_NODE_SCORE, SKIP, type CycleState, type NodeInfo, type Plugin } from '../framework.js';

const KEY = 'InterPodAffinity';

/** kube-scheduler's hardPodAffinityWeight (default 1): what a placed pod's required affinity adds to the score of its domain for a pod it matches. */
const HARD_POD_AFFINITY_WEIGHT = 1;

interface Term {
  selector?: LabelSelector;
  /** Namespaces the term names (its own when it names none and has no namespaceSelector). */
  namespaces: Set<string>;
  /** Its namespaceSelector: namespaces whose labels it matches count too; `{}` matches every namespace. */
  namespaceSelector?: LabelSelector;
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
  const hasSelector = t.namespaceSelector !== undefined && t.namespaceSelector !== null;
  // getNamespacesFromPodAffinityTerm: the pod's own namespace only when the term names none and selects none.
  const namespaces = new Set(names.length || hasSelector ? names : [ownNs]);
  return {
    ...(t.labelSelector ? { selector: t.labelSelector as LabelSelector } : {}),
    namespaces,
    ...(hasSelector ? { namespaceSelector: obj(t.namespaceSelector) as LabelSelector } : {}),
    topologyKey,
  };
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

/** A placed pod's parsed terms, kept with the (immutable, cached) pod object; null when they do not parse. */
const parsedOf = new WeakMap<Pod, Parsed | null>();

function parsedFor(p: Pod): Parsed | undefined {
  let v = parsedOf.get(p);
  if (v === undefined) {
    try {
      v = parseAffinity(p);
    } catch {
      v = null;
    }
    parsedOf.set(p, v);
  }
  return v ?? undefined;
}

/** A namespace's labels, as the terms' namespaceSelectors read them. */
type NamespaceLabels = (ns: string) => Record<string, string> | undefined;

/**
 * From the scheduler's Namespace informer; without one (plugin unit tests), only the label every
 * namespace carries (`kubernetes.io/metadata.name`).
 */
function namespaceLabels(state: CycleState): NamespaceLabels {
  const inf = state.cluster?.informers.get<KubeObject>('namespaces');
  if (!inf) return (ns) => ({ 'kubernetes.io/metadata.name': ns });
  return (ns) => inf.get(ns)?.metadata.labels;
}

function selects(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const empty = Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
  return empty || selectorMatches(sel, labels);
}

/** AffinityTerm.Matches: `p` is in a namespace the term names or selects, and has the labels it selects. */
function matches(t: Term, p: Pod, nsLabels: NamespaceLabels): boolean {
  if (p.metadata.deletionTimestamp) return false;
  const ns = p.metadata.namespace ?? 'default';
  if (!t.namespaces.has(ns) && !(t.namespaceSelector && selects(t.namespaceSelector, nsLabels(ns)))) return false;
  return !!t.selector && selectorMatches(t.selector, p.metadata.labels);
}

function domainOf(n: NodeInfo, key: string): string | undefined {
  return n.node.metadata.labels?.[key];
}

/** Topology values (of `t.topologyKey`) of the nodes running a pod the term matches, with counts. */
function domains(t: Term, nodes: readonly NodeInfo[], nsLabels: NamespaceLabels): Map<string, number> {
  const out = new Map<string, number>();
  for (const n of nodes) {
    const v = domainOf(n, t.topologyKey);
    if (v === undefined) continue;
    const c = n.pods.filter((p) => matches(t, p, nsLabels)).length;
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
  nsLabels: NamespaceLabels;
}

/**
 * kube-scheduler's InterPodAffinity: required pod affinity (the node's topology domain must hold a
 * pod each term matches; the first pod of a group that matches its own terms may go anywhere),
 * required anti-affinity (the domain must hold none), the anti-affinity of pods already placed
 * (symmetry), and a score from both sides' terms: the pod's preferred terms over the placed pods,
 * and the placed pods' required affinity and preferred terms over the pod. Any topology key works
 * (hostname, zone, a custom label); a term's namespaces are those it names plus those its
 * namespaceSelector matches by their labels.
 */
export const interPodAffinity: Plugin = {
  name: 'InterPodAffinity',
  weight: 2,
  preFilter(state, pod, nodes) {
    const parsed = parseAffinity(pod);
    const nsLabels = namespaceLabels(state);
    const existingAnti: State['existingAnti'] = [];
    for (const n of nodes) {
      for (const other of n.podsWithAffinity) {
        for (const t of parsedFor(other)?.anti ?? []) {
          const v = domainOf(n, t.topologyKey);
          if (v !== undefined && matches(t, pod, nsLabels)) existingAnti.push({ topologyKey: t.topologyKey, value: v });
        }
      }
    }
    const affinityDomains = parsed.affinity.map((t) => domains(t, nodes, nsLabels));
    const selfAffine = affinityDomains.every((d) => d.size === 0) && parsed.affinity.every((t) => matches(t, { ...pod, metadata: { ...pod.metadata, deletionTimestamp: undefined } }, nsLabels));
    const s: State = { parsed, affinityDomains, antiDomains: parsed.anti.map((t) => domains(t, nodes, nsLabels)), existingAnti, selfAffine, nodes, nsLabels };
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
  preScore(state, pod, nodes) {
    const s = state.read<State>(KEY);
    if (!s) return SKIP;
    // scoring.go's topologyScore: topology key -> value -> weight, from every placed pod (only those
    // with affinity when the pod has no preferred term: no other placed pod can add anything).
    const topo = new Map<string, Map<string, number>>();
    const add = (n: NodeInfo, key: string, w: number) => {
      const v = domainOf(n, key);
      if (v === undefined) return;
      let m = topo.get(key);
      if (!m) topo.set(key, (m = new Map()));
      m.set(v, (m.get(v) ?? 0) + w);
    };
    const own = s.parsed.preferred.length + s.parsed.preferredAnti.length > 0;
    for (const n of s.nodes) {
      for (const other of own ? n.pods : n.podsWithAffinity) {
        for (const t of s.parsed.preferred) if (matches(t, other, s.nsLabels)) add(n, t.topologyKey, t.weight);
        for (const t of s.parsed.preferredAnti) if (matches(t, other, s.nsLabels)) add(n, t.topologyKey, -t.weight);
        const theirs = parsedFor(other);
        if (!theirs) continue;
        for (const t of theirs.affinity) if (matches(t, pod, s.nsLabels)) add(n, t.topologyKey, HARD_POD_AFFINITY_WEIGHT);
        for (const t of theirs.preferred) if (matches(t, pod, s.nsLabels)) add(n, t.topologyKey, t.weight);
        for (const t of theirs.preferredAnti) if (matches(t, pod, s.nsLabels)) add(n, t.topologyKey, -t.weight);
      }
    }
    if (topo.size === 0) return SKIP;
    const raw = new Map<string, number>();
    for (const n of nodes) {
      let total = 0;
      for (const [key, values] of topo) {
        const v = domainOf(n, key);
        if (v !== undefined) total += values.get(v) ?? 0;
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
