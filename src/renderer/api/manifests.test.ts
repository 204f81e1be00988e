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
  it('applies each document in order; reports created, configured, unchanged (nothing written) and errors with causes', async () => {
    const calls: string[] = [];
    // What exists: the Service as the file writes it, a ConfigMap with other data.
    const stored: Record<string, unknown> = {
      '/k8s/api/v1/namespaces/default/services/web': { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', resourceVersion: '5', managedFields: [{}] } },
      '/k8s/api/v1/namespaces/default/configmaps/c': { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', resourceVersion: '6' }, data: { a: '1' } },
    };
    const fetchFn: FetchFn = async (url, init) => {
      const method = init?.method ?? 'GET';
      calls.push(`${method} ${url}`);
      const path = url.split('?')[0] as string;
      const headers = init?.headers as Record<string, string>;
      if (method === 'GET') {
        const o = stored[path];
        return o ? new Response(JSON.stringify(o)) : new Response(JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound', message: 'not found' }), { status: 404 });
      }
      expect(headers['Content-Type']).toBe('application/apply-patch+yaml');
      if (url.includes('/deployments/bad')) {
        const status = { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 422, reason: 'Invalid', message: 'Deployment "bad" is invalid', details: { causes: [{ field: 'spec.selector', message: 'Required value' }] } };
        return new Response(JSON.stringify(status), { status: 422 });
      }
      const body = JSON.parse(String(init?.body)) as { metadata: Record<string, unknown> };
      const old = stored[path] as { metadata: Record<string, unknown> } | undefined;
      const result = { ...body, metadata: { ...body.metadata, namespace: old?.metadata.namespace ?? body.metadata.namespace, resourceVersion: url.includes('dryRun') ? old?.metadata.resourceVersion : '9' } };
      return new Response(JSON.stringify(result), { status: old ? 200 : 201 });
    };
    const docs = parseManifests(
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bad}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: default}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: default}\ndata: {a: "2"}\n---\napiVersion: x/v1\nkind: Widget\nmetadata: {name: w}\n',
      'f.yaml',
    );
    const seen: number[] = [];
    const results = await applyManifests(new KubeApi(fetchFn), docs, (_r, i) => seen.push(i));
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(results.map((r) => r.outcome)).toEqual(['created', 'error', 'unchanged', 'configured', 'error']);
    expect(calls).toEqual([
      'GET /k8s/api/v1/namespaces/shop',
      'PATCH /k8s/api/v1/namespaces/shop?fieldManager=skiff-ui&force=true',
      'GET /k8s/apis/apps/v1/namespaces/default/deployments/bad',
      'PATCH /k8s/apis/apps/v1/namespaces/default/deployments/bad?fieldManager=skiff-ui&force=true',
      'GET /k8s/api/v1/namespaces/default/services/web',
      'PATCH /k8s/api/v1/namespaces/default/services/web?fieldManager=skiff-ui&force=true&dryRun=All',
      'GET /k8s/api/v1/namespaces/default/configmaps/c',
      'PATCH /k8s/api/v1/namespaces/default/configmaps/c?fieldManager=skiff-ui&force=true&dryRun=All',
      'PATCH /k8s/api/v1/namespaces/default/configmaps/c?fieldManager=skiff-ui&force=true',
    ]);
    expect(results[1]).toMatchObject({ message: 'Deployment "bad" is invalid', causes: [{ field: 'spec.selector', message: 'Required value' }] });
    expect(results[4]?.message).toContain('not served');
  });
});
