import type { Node } from '../../../orchestrator/api/types.js';
import { formatTopCpu, formatTopMemory, percentOf, type Usage } from '../../api/metrics.js';
import type { TableColumn, TableRow } from '../../api/tables.js';
import { parseQuantity } from '../../graph/capacity.js';
import type { ObjectMap } from '../../store/kinds.js';
import type { RowsState } from '../resources/tableModel.js';

/** Column formats of the usage columns the UI adds to the server's Table (cells: a number, or null when absent). */
export const USAGE_FORMATS = { cpu: 'skiff-usage-cpu', memory: 'skiff-usage-memory', percent: 'skiff-usage-percent' } as const;

const column = (name: string, format: string, description: string): TableColumn => ({ name, type: 'number', format, description, priority: 0 });
const POD_COLUMNS: readonly TableColumn[] = [
  column('CPU', USAGE_FORMATS.cpu, 'CPU in use, millicores (metrics.k8s.io), as kubectl top prints it.'),
  column('Memory', USAGE_FORMATS.memory, 'Memory in use, MiB (metrics.k8s.io), as kubectl top prints it.'),
];
const NODE_COLUMNS: readonly TableColumn[] = [
  column('CPU', USAGE_FORMATS.cpu, 'CPU in use, millicores (metrics.k8s.io), as kubectl top prints it.'),
  column('CPU%', USAGE_FORMATS.percent, 'CPU in use as a share of allocatable.'),
  column('Memory', USAGE_FORMATS.memory, 'Memory in use, MiB (metrics.k8s.io), as kubectl top prints it.'),
  column('Memory%', USAGE_FORMATS.percent, 'Memory in use as a share of allocatable.'),
];

/** The Table kinds that get usage columns: core pods and nodes. */
export function usageKind(group: string, resource: string): 'pods' | 'nodes' | undefined {
  return group === '' && (resource === 'pods' || resource === 'nodes') ? resource : undefined;
}

const rowCache = new WeakMap<TableRow, { usage: Usage | undefined; node: Node | undefined; row: TableRow }>();

/**
 * The server's rows with usage columns appended (CPU, Memory; for nodes also their share of
 * allocatable, as `kubectl top node`). Absent usage is null, never 0. A row whose usage (and node)
 * did not change keeps its identity, so a poll redraws only the rows whose numbers moved.
 */
export function withUsage(state: RowsState, kind: 'pods' | 'nodes', usage: Readonly<Record<string, Usage>>, nodes: ObjectMap<Node>): RowsState {
  if (state.columns.length === 0) return state;
  const rows = new Map<string, TableRow>();
  for (const [key, row] of state.rows) {
    const u = usage[key];
    const node = kind === 'nodes' ? nodes[key] : undefined;
    const cached = rowCache.get(row);
    if (cached && cached.usage === u && cached.node === node) {
      rows.set(key, cached.row);
      continue;
    }
    let extra: (number | null)[];
    if (kind === 'pods') extra = [u?.cpu ?? null, u?.memory ?? null];
    else {
      const a = node?.status?.allocatable ?? {};
      extra = [u?.cpu ?? null, (u && percentOf(u.cpu, parseQuantity(a.cpu))) ?? null, u?.memory ?? null, (u && percentOf(u.memory, parseQuantity(a.memory))) ?? null];
    }
    const out: TableRow = { ...row, cells: [...row.cells, ...extra] };
    rowCache.set(row, { usage: u, node, row: out });
    rows.set(key, out);
  }
  return { columns: [...state.columns, ...(kind === 'pods' ? POD_COLUMNS : NODE_COLUMNS)], rows };
}

/** A usage cell as drawn: `250m`, `64Mi`, `12%`; `—` when there is no sample. Undefined: not a usage column. */
export function usageCellText(column: TableColumn, value: unknown): string | undefined {
  if (!column.format.startsWith('skiff-usage-')) return undefined;
  if (typeof value !== 'number') return '—';
  if (column.format === USAGE_FORMATS.cpu) return formatTopCpu(value);
  if (column.format === USAGE_FORMATS.memory) return formatTopMemory(value);
  return `${value}%`;
}
