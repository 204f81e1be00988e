import type { Pod } from '../../orchestrator/api/types.js';

/**
 * The scheduler's per-node verdicts on a pod it could not place (annotation
 * `scheduler.skiff.dev/node-reasons`: JSON `{ "<node>": "<reason>; <reason>" }`, removed once bound).
 */
export const NODE_REASONS_ANNOTATION = 'scheduler.skiff.dev/node-reasons';

export interface NodeVerdict {
  node: string;
  reasons: string[];
}

export interface PendingReasons {
  /** kube-scheduler's summary (`0/3 nodes are available: ...`), from the PodScheduled condition. */
  summary?: string;
  nodes: NodeVerdict[];
  /** The annotation was there but not readable: shown as is rather than hidden. */
  raw?: string;
}

/** Why a pod is not scheduled, per node; undefined when the scheduler said nothing (or it is bound). */
export function pendingReasons(pod: Pod): PendingReasons | undefined {
  if (pod.spec.nodeName) return undefined;
  const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
  const summary = cond?.message;
  const text = pod.metadata.annotations?.[NODE_REASONS_ANNOTATION];
  if (text === undefined) return summary ? { summary, nodes: [] } : undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ...(summary ? { summary } : {}), nodes: [], raw: text };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ...(summary ? { summary } : {}), nodes: [], raw: text };
  const nodes = Object.entries(parsed as Record<string, unknown>)
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .map(([node, r]) => ({ node, reasons: r.split(';').map((s) => s.trim()).filter(Boolean) }))
    .sort((a, b) => a.node.localeCompare(b.node));
  return { ...(summary ? { summary } : {}), nodes };
}
