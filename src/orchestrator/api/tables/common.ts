import type { KubeObject } from '../types.js';

/** One column of a meta.k8s.io/v1 Table. `priority > 0` columns are shown only by `-o wide`. */
export interface TableColumnDefinition {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format: string;
  description: string;
  priority: number;
}

export interface TableRowCondition {
  type: 'Completed';
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

export interface PrintedRow {
  cells: unknown[];
  conditions?: TableRowCondition[];
}

/**
 * How one kind prints: its columns (as pkg/printers/internalversion/printers.go declares them) and a
 * function producing one row's cells, in column order, wide columns included.
 */
export interface Printer {
  columns: TableColumnDefinition[];
  row(obj: KubeObject, now: number): PrintedRow;
}

export function col(name: string, description: string, opts: { type?: TableColumnDefinition['type']; priority?: number; format?: string } = {}): TableColumnDefinition {
  return { name, type: opts.type ?? 'string', format: opts.format ?? '', description, priority: opts.priority ?? 0 };
}

export const NAME_COLUMN = col(
  'Name',
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  { format: 'name' },
);

export const AGE_COLUMN = col(
  'Age',
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
);

/**
 * duration.HumanDuration of k8s.io/apimachinery: `45s`, `3m12s`, `15m`, `5h2m`, `20h`, `2d3h`,
 * `30d`, `2y15d`. Up to 2 s in the future counts as now; further is `<invalid>`.
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24);
    const dy = days % 365;
    return dy === 0 ? `${Math.trunc(days / 365)}y` : `${Math.trunc(days / 365)}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** translateTimestampSince: `<unknown>` for a missing time. */
export function since(ts: unknown, now: number): string {
  if (typeof ts !== 'string' || ts === '') return '<unknown>';
  const t = Date.parse(ts);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

export function age(obj: KubeObject, now: number): string {
  return since(obj.metadata.creationTimestamp, now);
}

// ---- readers of untyped status fields ----

export type Obj = Record<string, unknown>;

export function o(v: unknown): Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}

export function list(v: unknown): Obj[] {
  return Array.isArray(v) ? v.map(o) : [];
}

export function str(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : fallback;
}

export function int(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0;
}

/** labels.FormatLabels: `k=v,k2=v2` sorted by key, `<none>` when empty. */
export function formatLabels(m: unknown): string {
  const entries = Object.entries(o(m)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return entries.length ? entries.map(([k, v]) => `${k}=${String(v)}`).join(',') : '<none>';
}

/** metav1.FormatLabelSelector: requirements sorted by key, `<none>` when empty. */
export function formatSelector(sel: unknown): string {
  const s = o(sel);
  const reqs: [string, string][] = [];
  for (const [k, v] of Object.entries(o(s.matchLabels))) reqs.push([k, `${k}=${String(v)}`]);
  for (const e of list(s.matchExpressions)) {
    const key = str(e.key);
    const values = (Array.isArray(e.values) ? e.values.map(String) : []).sort();
    switch (e.operator) {
      case 'In':
        reqs.push([key, `${key} in (${values.join(',')})`]);
        break;
      case 'NotIn':
        reqs.push([key, `${key} notin (${values.join(',')})`]);
        break;
      case 'Exists':
        reqs.push([key, key]);
        break;
      case 'DoesNotExist':
        reqs.push([key, `!${key}`]);
        break;
    }
  }
  reqs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return reqs.length ? reqs.map(([, r]) => r).join(',') : '<none>';
}

/** `a,b,c + N more...` as upstream abbreviates long lists; `empty` when there is nothing. */
export function listWithMore(items: string[], max: number, empty: string): string {
  if (items.length === 0) return empty;
  const shown = items.slice(0, max).join(',');
  return items.length > max ? `${shown} + ${items.length - max} more...` : shown;
}

/** Container names and images of a pod template, for the wide CONTAINERS / IMAGES columns. */
export function containersAndImages(template: unknown): [string, string] {
  const cs = list(o(o(template).spec).containers);
  return [cs.map((c) => str(c.name)).join(','), cs.map((c) => str(c.image)).join(',')];
}

/** NAME, CREATED AT: kube's printers for Roles, ClusterRoles and LimitRanges print the timestamp, not an age. */
export const createdAtPrinter: Printer = {
  columns: [NAME_COLUMN, col('Created At', 'CreationTimestamp is a timestamp representing the server time when this object was created.', { type: 'date' })],
  row: (obj) => ({ cells: [obj.metadata.name, obj.metadata.creationTimestamp ?? ''] }),
};
