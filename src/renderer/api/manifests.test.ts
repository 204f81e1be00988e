import { describe, expect, it } from 'vitest';
import { KubeApi, type FetchFn } from './client.js';
import { applyManifests, parseManifests } from './manifests.js';

describe('parseManifests', () => {
  it('splits multi-document YAML in order, skipping empty documents', () => {
    const docs = parseManifests(
      `apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\n---\n`,
      'app.yaml',
    );
    expect(docs.map((d) => [d.source, d.label, d.error])).toEqual([
      ['app.yaml #1', 'Namespace shop', undefined],
      ['app.yaml #3', 'Deployment web', undefined],
    ]);
  });

  it('reads JSON, expands a List, and reports bad documents instead of dropping them', () => {
    const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } }, { kind: 'Pod' }] });
    const docs = parseManifests(list, 'l.json');
    expect(docs.map((d) => [d.label, d.error])).toEqual([
      ['Service s', undefined],
      ['Pod (no name)', 'missing apiVersion, metadata'],
    ]);
    const broken = parseManifests('a: [1\n---\n- just\n- a list\n', 'b.yaml');
    expect(broken).toHaveLength(2);
    expect(broken.every((d) => d.error)).toBe(true);
  });
});

describe('applyManifests', () => {
  it('applies each document in order by server-side apply and reports created/configured/error with causes', async () => {
    const calls: { url: string; method?: string; type?: string; body?: unknown }[] = [];
    const fetchFn: FetchFn = async (url, init) => {
      const headers = init?.headers as Record<string, string>;
      calls.push({ url, method: init?.method, type: headers['Content-Type'], body: JSON.parse(String(init?.body)) });
      if (url.includes('/deployments/bad')) {
        const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 422, reason: 'Invalid', message: 'Deployment "bad" is invalid', details: { causes: [{ field: 'spec.selector', message: 'Required value' }] } };
        return new Response(JSON.stringify(status), { status: 422 });
      }
      return new Response(String(init?.body), { status: url.includes('/namespaces/shop?') ? 201 : 200 });
    };
    const docs = parseManifests(
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bad}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\n---\napiVersion: x/v1\nkind: Widget\nmetadata: {name: w}\n',
      'f.yaml',
    );
    const seen: number[] = [];
    const results = await applyManifests(new KubeApi(fetchFn), docs, (_r, i) => seen.push(i));
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'PATCH /k8s/api/v1/namespaces/shop?fieldManager=skiff-ui&force=true',
      'PATCH /k8s/apis/apps/v1/namespaces/default/deployments/bad?fieldManager=skiff-ui&force=true',
      'PATCH /k8s/api/v1/namespaces/default/services/web?fieldManager=skiff-ui&force=true',
    ]);
    expect(calls[0]?.type).toBe('application/apply-patch+yaml');
    expect(results.map((r) => r.outcome)).toEqual(['created', 'error', 'configured', 'error']);
    expect(results[1]).toMatchObject({ message: 'Deployment "bad" is invalid', causes: [{ field: 'spec.selector', message: 'Required value' }] });
    expect(results[3]?.message).toContain('not served');
  });
});
