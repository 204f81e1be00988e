import { describe, expect, it } from 'vitest';
import type { TableColumn, TableRow } from '../../api/tables.js';
import { applyTable, cellDisplay, emptyRows, labelSelectorProblem, shownColumns, visibleRows } from './tableModel.js';

const col = (name: string, type = 'string', priority = 0): TableColumn => ({ name, type, format: name === 'Name' ? 'name' : '', description: '', priority });
const columns = [col('Name'), col('Restarts', 'integer'), col('Age'), col('IP', 'string', 1)];
const row = (name: string, restarts: number, created: string, ns = 'default'): TableRow => ({ key: `${ns}/${name}`, cells: [name, restarts, 'old', '10.0.0.1'], metadata: { name, namespace: ns, creationTimestamp: created } });

describe('table model', () => {
  const rows = applyTable(emptyRows, { reset: { columns, rows: [row('web-10', 0, '2025-01-01T00:00:10Z'), row('web-2', 5, '2025-01-01T00:00:20Z'), row('db', 1, '2025-01-01T00:00:05Z', 'data')] } });

  it('applies watch changes without touching the previous state', () => {
    const next = applyTable(rows, { changes: [{ type: 'DELETED', row: row('db', 1, '', 'data') }, { type: 'ADDED', row: row('api', 0, '') }] });
    expect([...next.rows.keys()]).toEqual(['default/web-10', 'default/web-2', 'default/api']);
    expect(rows.rows.size).toBe(3);
    expect(next.columns).toBe(rows.columns);
  });

  it('hides wide columns unless asked', () => {
    expect(shownColumns(columns, false).map((c) => c.column.name)).toEqual(['Name', 'Restarts', 'Age']);
    expect(shownColumns(columns, true).map((c) => c.index)).toEqual([0, 1, 2, 3]);
  });

  it('sorts naturally by name, numerically, by age (youngest first) and by namespace; filters by words', () => {
    const keys = (r: TableRow[]) => r.map((x) => x.metadata.name);
    expect(keys(visibleRows(rows, '', null))).toEqual(['db', 'web-2', 'web-10']);
    expect(keys(visibleRows(rows, '', { index: 0, desc: false }))).toEqual(['db', 'web-2', 'web-10']);
    expect(keys(visibleRows(rows, '', { index: 1, desc: true }))).toEqual(['web-2', 'db', 'web-10']);
    expect(keys(visibleRows(rows, '', { index: 2, desc: false }))).toEqual(['web-2', 'web-10', 'db']);
    expect(keys(visibleRows(rows, '', { index: -1, desc: false }))).toEqual(['db', 'web-2', 'web-10']);
    expect(keys(visibleRows(rows, 'WEB', null))).toEqual(['web-2', 'web-10']);
    expect(keys(visibleRows(rows, 'web !10', null))).toEqual(['web-2']);
    expect(keys(visibleRows(rows, 'data/', null))).toEqual(['db']);
  });

  it('draws Age from the creation time, other cells as printed', () => {
    const r = row('a', 3, '2025-01-01T00:00:00Z');
    const age = (iso: string | undefined, now: number) => `${(now - Date.parse(iso ?? '')) / 1000}s`;
    expect(cellDisplay(r, col('Age'), 2, Date.parse('2025-01-01T00:01:00Z'), age)).toBe('60s');
    expect(cellDisplay(r, col('Restarts'), 1, 0, age)).toBe('3');
  });

  it('checks label selectors as typed', () => {
    for (const ok of ['', 'app=web', 'app==web,tier!=db', 'env in (a, b)', 'env notin (a)', '!legacy', 'skiff.dev/host', 'app=']) expect(labelSelectorProblem(ok)).toBeUndefined();
    expect(labelSelectorProblem('app=web,')).toMatch(/not a label requirement/);
    expect(labelSelectorProblem('env in (a')).toMatch(/unbalanced/);
    expect(labelSelectorProblem('app = we b')).toMatch(/"app = we b"/);
  });
});
