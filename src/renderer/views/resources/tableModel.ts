import type { KubeTable, TableColumn, TableEventType, TableRow } from '../../api/tables.js';
import { usageCellText } from '../metrics/usageColumns.js';

/** A kind's rows by key (insertion order kept), replaced (never mutated) on each batch. */
export interface RowsState {
  columns: readonly TableColumn[];
  rows: ReadonlyMap<string, TableRow>;
}

export const emptyRows: RowsState = { columns: [], rows: new Map() };

/** Applies a relist or a batch of watch changes; one copy of the map per batch. */
export function applyTable(state: RowsState, change: { reset: KubeTable } | { changes: readonly { type: TableEventType; row: TableRow }[] }): RowsState {
  if ('reset' in change) return { columns: change.reset.columns, rows: new Map(change.reset.rows.map((r) => [r.key, r])) };
  const rows = new Map(state.rows);
  for (const c of change.changes) {
    if (c.type === 'DELETED') rows.delete(c.row.key);
    else rows.set(c.row.key, c.row);
  }
  return { columns: state.columns, rows };
}

/** The columns shown: kubectl's default ones (priority 0); `-o wide` ones only when asked. */
export function shownColumns(columns: readonly TableColumn[], wide: boolean): { column: TableColumn; index: number }[] {
  return columns.map((column, index) => ({ column, index })).filter(({ column }) => wide || column.priority === 0);
}

export interface SortSpec {
  /** Index into the table's cells; -1 sorts by namespace. */
  index: number;
  desc: boolean;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/**
 * Compares two rows on one column. Numbers compare as numbers, the Age column by creation time
 * (newest is youngest), everything else naturally (`pod-2` before `pod-10`); ties by key.
 */
export function compareRows(a: TableRow, b: TableRow, column: TableColumn | undefined, index: number): number {
  let c: number;
  if (index === -1) c = collator.compare(a.metadata.namespace ?? '', b.metadata.namespace ?? '');
  else if (column && isAgeColumn(column)) c = (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '');
  else {
    const x = a.cells[index];
    const y = b.cells[index];
    if (typeof x === 'number' && typeof y === 'number') c = x - y;
    else c = collator.compare(cellText(x), cellText(y));
  }
  return c !== 0 ? c : collator.compare(a.key, b.key);
}

export function isAgeColumn(c: TableColumn): boolean {
  return c.name === 'Age' || c.name === 'AGE';
}

/**
 * Parses the name filter: words must all appear in the row's name (or `namespace/name`); a word
 * starting with `!` must not. Case does not matter.
 */
function nameMatcher(filter: string): (row: TableRow) => boolean {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return () => true;
  return (row) => {
    const hay = row.key.toLowerCase();
    return words.every((w) => (w.startsWith('!') ? w.length === 1 || !hay.includes(w.slice(1)) : hay.includes(w)));
  };
}

/** The rows to draw: filtered by name, sorted. O(n log n); memoise on (rows, filter, sort). */
export function visibleRows(state: RowsState, filter: string, sort: SortSpec | null): TableRow[] {
  const match = nameMatcher(filter);
  const out: TableRow[] = [];
  for (const r of state.rows.values()) if (match(r)) out.push(r);
  if (sort) {
    const column = sort.index >= 0 ? state.columns[sort.index] : undefined;
    out.sort((a, b) => (sort.desc ? -1 : 1) * compareRows(a, b, column, sort.index));
  } else {
    out.sort((a, b) => collator.compare(a.key, b.key));
  }
  return out;
}

/** Cell text as drawn: the Age column is recomputed from the creation time, so it stays current; usage columns in kubectl top's units. */
export function cellDisplay(row: TableRow, column: TableColumn, index: number, now: number, age: (iso: string | undefined, now: number) => string): string {
  if (isAgeColumn(column) && row.metadata.creationTimestamp) return age(row.metadata.creationTimestamp, now);
  return usageCellText(column, row.cells[index]) ?? cellText(row.cells[index]);
}

/**
 * Checks a label selector as typed (`app=web,tier!=db,env in (a,b),!legacy`) well enough to tell
 * the user before the server would reject it; returns a message, or undefined when it looks valid.
 */
export function labelSelectorProblem(sel: string): string | undefined {
  const s = sel.trim();
  if (s === '') return undefined;
  // Split on commas outside parentheses.
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth < 0) return 'unbalanced ")"';
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (depth !== 0) return 'unbalanced "("';
  parts.push(cur);
  const key = '([a-z0-9A-Z]([-a-z0-9A-Z_./]*[a-z0-9A-Z])?)';
  const val = '([a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?)?';
  const forms = [
    new RegExp(`^!?${key}$`),
    new RegExp(`^${key}\\s*(=|==|!=)\\s*${val}$`),
    new RegExp(`^${key}\\s+(in|notin)\\s+\\(\\s*${val}(\\s*,\\s*${val})*\\s*\\)$`),
  ];
  for (const p of parts) {
    const t = p.trim();
    if (!forms.some((f) => f.test(t))) return `"${t}" is not a label requirement (key, !key, key=value, key!=value, key in (a,b))`;
  }
  return undefined;
}
