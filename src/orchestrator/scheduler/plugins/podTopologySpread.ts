import { selectorMatches } from '../../api/selectors.js';
import type { LabelSelector, LabelSelectorRequirement, Pod } from '../../api/types.js';
import { InvalidSpec } from '../../client/runner.js';
import { FITS, MAX_NODE_SCORE, SKIP, type NodeInfo, type Plugin } from '../framework.js';

const KEY = 'PodTopologySpread';

interface Constraint {
  maxSkew: number;
  topologyKey: string;
  hard: boolean;
  selector: LabelSelector;
  minDomains: number;
  /** Matching pods per topology value, over the eligible nodes. */
  counts: Map<string, number>;
  /** The smallest count (0 while fewer domains than minDomains exist). */
  min: number;
  /** The pod matches its own selector: placing it adds one to the domain. */
  self: number;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

/** Nodes a constraint counts: those with the key that the pod's nodeSelector allows (nodeAffinityPolicy Honor). */
function eligible(n: NodeInfo, key: string, pod: Pod, honorSelector: boolean): boolean {
  const labels = n.node.metadata.labels ?? {};
  if (labels[key] === undefined) return false;
  if (!honorSelector) return true;
  return Object.entries(pod.spec.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
}

function parse(pod: Pod, nodes: readonly NodeInfo[]): Constraint[] {
  const raw = (pod.spec as { topologySpreadConstraints?: unknown }).topologySpreadConstraints;
  if (!Array.isArray(raw)) return [];
  return raw.map((r, i) => {
    const c = obj(r);
    const path = `spec.topologySpreadConstraints[${i}]`;
    const maxSkew = typeof c.maxSkew === 'number' ? c.maxSkew : 0;
    if (!(maxSkew >= 1)) throw new InvalidSpec(`${path}.maxSkew: Invalid value: ${JSON.stringify(c.maxSkew)}: must be greater than zero`);
    const topologyKey = typeof c.topologyKey === 'string' ? c.topologyKey : '';
    if (!topologyKey) throw new InvalidSpec(`${path}.topologyKey: Required value: can not be empty`);
    const when = c.whenUnsatisfiable;
    if (when !== 'DoNotSchedule' && when !== 'ScheduleAnyway') throw new InvalidSpec(`${path}.whenUnsatisfiable: Unsupported value: ${JSON.stringify(when)}: supported values: "DoNotSchedule", "ScheduleAnyway"`);
    const minDomains = c.minDomains === undefined || c.minDomains === null ? 1 : Number(c.minDomains);
    if (!(minDomains >= 1)) throw new InvalidSpec(`${path}.minDomains: Invalid value: ${JSON.stringify(c.minDomains)}: must be greater than zero`);
    if (minDomains > 1 && when !== 'DoNotSchedule') throw new InvalidSpec(`${path}.minDomains: Invalid value: ${minDomains}: can only use minDomains if whenUnsatisfiable=DoNotSchedule`);
    const base = obj(c.labelSelector) as LabelSelector;
    // matchLabelKeys: the pod's own values for those keys join the selector (per-revision spreading).
    const extra: LabelSelectorRequirement[] = (Array.isArray(c.matchLabelKeys) ? c.matchLabelKeys : [])
      .filter((k): k is string => typeof k === 'string' && pod.metadata.labels?.[k] !== undefined)
      .map((k) => ({ key: k, operator: 'In', values: [pod.metadata.labels?.[k] as string] }));
    const selector: LabelSelector = { ...base, matchExpressions: [...(base.matchExpressions ?? []), ...extra] };
    const honor = c.nodeAffinityPolicy !== 'Ignore';
    const counts = new Map<string, number>();
    for (const n of nodes) {
      if (!eligible(n, topologyKey, pod, honor)) continue;
      const v = n.node.metadata.labels?.[topologyKey] as string;
      const k = n.pods.filter((p) => !p.metadata.deletionTimestamp && p.metadata.namespace === pod.metadata.namespace && selectorMatches(selector, p.metadata.labels)).length;
      counts.set(v, (counts.get(v) ?? 0) + k);
    }
    const min = counts.size < minDomains ? 0 : Math.min(...counts.values());
    return { maxSkew, topologyKey, hard: when === 'DoNotSchedule', selector, minDomains, counts, min: Number.isFinite(min) ? min : 0, self: selectorMatches(selector, pod.metadata.labels) ? 1 : 0 };
  });
}

/**
 * kube-scheduler's PodTopologySpread: for each `topologySpreadConstraints` entry, the pods its
 * selector matches are counted per topology domain (nodes with the key, within the pod's
 * nodeSelector unless `nodeAffinityPolicy: Ignore`); a node whose domain would exceed the global
 * minimum by more than `maxSkew` is rejected (DoNotSchedule) or scored lower (ScheduleAnyway).
 * With fewer domains than `minDomains`, the minimum counts as 0. `matchLabelKeys` add the pod's
 * own label values to the selector.
 */
export const podTopologySpread: Plugin = {
  name: 'PodTopologySpread',
  weight: 2,
  preFilter(state, pod, nodes) {
    const constraints = parse(pod, nodes);
    state.write(KEY, constraints);
    return constraints.some((c) => c.hard) ? undefined : SKIP;
  },
  preScore(state) {
    // No ScheduleAnyway constraint: 0 on every node.
    return (state.read<Constraint[]>(KEY) ?? []).some((c) => !c.hard) ? undefined : SKIP;
  },
  filter(state, _pod, node) {
    for (const c of state.read<Constraint[]>(KEY) ?? []) {
      if (!c.hard) continue;
      const v = node.node.metadata.labels?.[c.topologyKey];
      if (v === undefined) return ["node(s) didn't match pod topology spread constraints (missing required label)"];
      if ((c.counts.get(v) ?? 0) + c.self - c.min > c.maxSkew) return ["node(s) didn't match pod topology spread constraints"];
    }
    return FITS;
  },
  score(state, _pod, node) {
    const soft = (state.read<Constraint[]>(KEY) ?? []).filter((c) => !c.hard);
    if (soft.length === 0) return 0;
    let total = 0;
    for (const c of soft) {
      const v = node.node.metadata.labels?.[c.topologyKey];
      const max = Math.max(0, ...c.counts.values());
      if (v === undefined) continue;
      total += max === 0 ? MAX_NODE_SCORE : ((max - (c.counts.get(v) ?? 0)) * MAX_NODE_SCORE) / max;
    }
    return total / soft.length;
  },
};
