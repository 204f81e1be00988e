import { describe, expect, it } from 'vitest';
import type { TableColumn, TableRow } from '../../api/tables.js';
import { node } from '../../testing/fixtures.js';
import { applyTable, cellDisplay, emptyRows, visibleRows } from '../resources/tableModel.js';
import { usageKind, withUsage } from './usageColumns.js';

const col = (name: string): TableColumn => ({ name, type: 'string', format: name === 'Name' ? 'name' : '', description: '', priority: 0 });
const row = (key: string): TableRow => ({ key, cells: [key.split('/').pop()], metadata: { name: key.split('/').pop() as string } });
const age = () => '1m';

describe('usage columns', () => {
  const pods = applyTable(emptyRows, { reset: { columns: [col('Name')], rows: [row('a/web-1'), row('a/web-2'), row('a/idle')] } });
  const usage = { 'a/web-1': { cpu: 0.25, memory: 64 * 2 ** 20, containers: {} }, 'a/web-2': { cpu: 1.5, memory: 3 * 2 ** 20, containers: {} } };

  it('only for core pods and nodes', () => {
    expect(usageKind('', 'pods')).toBe('pods');
    expect(usageKind('', 'nodes')).toBe('nodes');
    expect(usageKind('metrics.k8s.io', 'pods')).toBeUndefined();
    expect(usageKind('apps', 'deployments')).toBeUndefined();
  });

  it('prints kubectl top units, absent as a dash, and sorts numerically', () => {
    const t = withUsage(pods, 'pods', usage, {});
    expect(t.columns.map((c) => c.name)).toEqual(['Name', 'CPU', 'Memory']);
    const cells = (key: string) => t.columns.map((c, i) => cellDisplay(t.rows.get(key) as TableRow, c, i, 0, age));
    expect(cells('a/web-1')).toEqual(['web-1', '250m', '64Mi']);
    expect(cells('a/idle')).toEqual(['idle', '—', '—']);
    expect(visibleRows(t, '', { index: 1, desc: true }).map((r) => r.key)).toEqual(['a/web-2', 'a/web-1', 'a/idle']);
    expect(visibleRows(t, '', { index: 2, desc: true }).map((r) => r.key)).toEqual(['a/web-1', 'a/web-2', 'a/idle']);
  });

  it('keeps rows whose usage did not change, so only moved rows redraw', () => {
    const a = withUsage(pods, 'pods', usage, {});
    const b = withUsage(pods, 'pods', { 'a/web-1': usage['a/web-1'], 'a/web-2': { cpu: 2, memory: 1 } }, {});
    expect(b.rows.get('a/web-1')).toBe(a.rows.get('a/web-1'));
    expect(b.rows.get('a/idle')).toBe(a.rows.get('a/idle'));
    expect(b.rows.get('a/web-2')).not.toBe(a.rows.get('a/web-2'));
  });

  it('gives nodes their share of allocatable, as kubectl top node does', () => {
    const nodes = applyTable(emptyRows, { reset: { columns: [col('Name')], rows: [row('n1'), row('n2')] } });
    const n1 = node('n1', 'True', {});
    const withAlloc = { ...n1, status: { ...n1.status, allocatable: { cpu: '2', memory: '4Gi' } } };
    const t = withUsage(nodes, 'nodes', { n1: { cpu: 0.5, memory: 2 ** 30 }, n2: { cpu: 1, memory: 2 ** 30 } }, { n1: withAlloc });
    const cells = (key: string) => t.columns.map((c, i) => cellDisplay(t.rows.get(key) as TableRow, c, i, 0, age));
    expect(t.columns.map((c) => c.name)).toEqual(['Name', 'CPU', 'CPU%', 'Memory', 'Memory%']);
    expect(cells('n1')).toEqual(['n1', '500m', '25%', '1024Mi', '25%']);
    expect(cells('n2')).toEqual(['n2', '1000m', '—', '1024Mi', '—']);
  });
});
