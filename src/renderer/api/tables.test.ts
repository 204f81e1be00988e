import { describe, expect, it } from 'vitest';
import { KubeApi, type FetchFn } from './client.js';
import type { ApiKind } from './discovery.js';
import { parseTable, TableWatch, TABLE_ACCEPT, type KubeTable, type TableRow } from './tables.js';

const pods: ApiKind = { group: '', version: 'v1', kind: 'Pod', resource: 'pods', namespaced: true, verbs: ['list', 'watch'], shortNames: [], subresources: [] };
const columns = [
  { name: 'Name', type: 'string', format: 'name', description: 'name', priority: 0 },
  { name: 'IP', type: 'string', format: '', description: 'ip', priority: 1 },
];
const row = (name: string, rv: string, cells: unknown[] = [name, '10.0.0.1']) => ({ cells, object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name, namespace: 'default', resourceVersion: rv } } });
const table = (rv: string, rows: unknown[]) => ({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: rv }, columnDefinitions: columns, rows });

describe('tables', () => {
  it('parses a Table, keying rows by namespace/name and dropping rows without metadata', () => {
    const t = parseTable(table('5', [row('a', '4'), { cells: ['x'] }])) as KubeTable;
    expect(t.resourceVersion).toBe('5');
    expect(t.columns.map((c) => [c.name, c.priority])).toEqual([['Name', 0], ['IP', 1]]);
    expect(t.rows.map((r) => r.key)).toEqual(['default/a']);
    expect(parseTable({ kind: 'PodList', items: [] })).toBeUndefined();
  });

  it('lists as a Table, watches from its version with the Table Accept, and relists after a 410', async () => {
    const requests: { url: string; accept: string }[] = [];
    const answers = [
      () => new Response(JSON.stringify(table('10', [row('a', '9')]))),
      () => new Response([{ type: 'ADDED', object: table('', [row('b', '11')]) }, { type: 'DELETED', object: table('', [row('a', '12')]) }, { type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } }].map((e) => JSON.stringify(e)).join('\n') + '\n'),
      () => new Response(JSON.stringify(table('20', [row('b', '11'), row('c', '19')]))),
    ];
    const fetchFn: FetchFn = async (url, init) => {
      requests.push({ url, accept: (init?.headers as Record<string, string>).Accept ?? '' });
      const next = answers.shift();
      return next ? next() : new Promise<Response>(() => undefined);
    };
    const log: string[] = [];
    const w = new TableWatch(new KubeApi(fetchFn), pods, { namespace: 'default', labelSelector: 'app=web' }, {
      reset: (t) => log.push(`reset ${t.rows.map((r) => r.key).join(',')}`),
      rows: (changes: { type: string; row: TableRow }[]) => log.push(...changes.map((c) => `${c.type} ${c.row.key}`)),
      state: (s) => log.push(`state ${s}`),
    }, { sleep: async () => undefined });
    for (let i = 0; i < 200 && requests.length < 4; i++) await new Promise((r) => setTimeout(r, 1));
    w.dispose();
    expect(log).toEqual(['state loading', 'reset default/a', 'state live', 'ADDED default/b', 'DELETED default/a', 'reset default/b,default/c']);
    expect(requests.map((r) => r.url)).toEqual([
      '/k8s/api/v1/namespaces/default/pods?labelSelector=app%3Dweb',
      '/k8s/api/v1/namespaces/default/pods?watch=true&resourceVersion=10&allowWatchBookmarks=true&labelSelector=app%3Dweb',
      '/k8s/api/v1/namespaces/default/pods?labelSelector=app%3Dweb',
      '/k8s/api/v1/namespaces/default/pods?watch=true&resourceVersion=20&allowWatchBookmarks=true&labelSelector=app%3Dweb',
    ]);
    expect(requests.every((r) => r.accept === TABLE_ACCEPT)).toBe(true);
  });
});
