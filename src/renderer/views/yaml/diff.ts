import { structuredPatch } from 'diff';
import { stringify } from 'yaml';
import type { KubeObject } from '../../../orchestrator/api/types.js';

/** One line of a unified diff: context, removed or added, with its line numbers. */
export interface DiffLine {
  type: ' ' | '-' | '+';
  text: string;
}

export interface DiffHunk {
  /** `@@ -a,b +c,d @@`, where the hunk starts in each text. */
  header: string;
  lines: DiffLine[];
}

/** The YAML a user reads: stable key order as the object has it, no line folding. */
export function toYaml(v: unknown): string {
  return stringify(v, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** The hunks turning `before` into `after` (3 lines of context); empty when they are equal. */
export function diffText(before: string, after: string, context = 3): DiffHunk[] {
  const p = structuredPatch('live', 'new', before, after, undefined, undefined, { context });
  return p.hunks.map((h) => ({
    header: `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`,
    lines: h.lines.filter((l) => !l.startsWith('\\')).map((l) => ({ type: l[0] as DiffLine['type'], text: l.slice(1) })),
  }));
}

/** Counts of added and removed lines, for a one-line summary. */
export function diffStats(hunks: readonly DiffHunk[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const h of hunks) for (const l of h.lines) if (l.type === '+') added++;
  else if (l.type === '-') removed++;
  return { added, removed };
}

/**
 * An object as compared before a write: `managedFields` and the bookkeeping that changes on every
 * write (resourceVersion, generation, status timestamps are kept: they are real) left out.
 */
export function forDiff(obj: KubeObject | undefined): string {
  if (!obj) return '';
  const { managedFields: _m, resourceVersion: _rv, generation: _g, ...metadata } = obj.metadata;
  return toYaml({ ...obj, metadata });
}
