import { describe, expect, it } from 'vitest';
import { openapiDocument, openapiIndex, type OpenApiDocument } from './openapi.js';
import { RESOURCES, SERVED_VERSIONS, apiVersionOf } from './resources.js';
import type { SchemaObject } from './schema/index.js';

/** kubectl's supportsQueryParamV3: a PATCH operation for the GVK lists the query parameter. */
function supportsFieldValidation(doc: OpenApiDocument, gvk: { group: string; version: string; kind: string }): boolean {
  for (const item of Object.values(doc.paths)) {
    const op = item.patch as { parameters?: { name: string }[]; 'x-kubernetes-group-version-kind'?: unknown } | undefined;
    if (!op) continue;
    const g = op['x-kubernetes-group-version-kind'] as typeof gvk | undefined;
    if (!g || g.group !== gvk.group || g.version !== gvk.version || g.kind !== gvk.kind) continue;
    return (op.parameters ?? []).some((p) => p.name === 'fieldValidation');
  }
  return false;
}

function refs(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => refs(x, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.push(x);
      else refs(x, out);
    }
  }
  return out;
}

/** What `kubectl explain` does: find the kind by GVK, then follow properties through $ref/allOf. */
function explain(doc: OpenApiDocument, kind: string, path: string[]): SchemaObject | undefined {
  const schemas = doc.components.schemas;
  let s = Object.values(schemas).find((x) => x['x-kubernetes-group-version-kind']?.some((g) => g.kind === kind));
  for (const p of path) {
    let prop = s?.properties?.[p];
    if (prop?.type === 'array' && prop.items) prop = prop.items;
    const ref = prop?.$ref ?? prop?.allOf?.[0]?.$ref;
    s = ref ? schemas[ref.replace('#/components/schemas/', '')] : prop;
  }
  return s;
}

describe('openapi', () => {
  it('the index lists every group-version with a hashed URL', () => {
    const idx = openapiIndex();
    const gvs = new Set(SERVED_VERSIONS.map((r) => (r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`)));
    expect(new Set(Object.keys(idx.paths))).toEqual(gvs);
    for (const [k, v] of Object.entries(idx.paths)) expect(v.serverRelativeURL).toMatch(new RegExp(`^/openapi/v3/${k}\\?hash=[0-9A-F]{128}$`));
    expect(openapiIndex()).toEqual(idx);
  });

  it('every kind has a PATCH operation kubectl accepts for server-side validation', () => {
    for (const r of RESOURCES) {
      const doc = openapiDocument(r.group ? `apis/${r.group}/${r.version}` : `api/${r.version}`);
      expect(doc, apiVersionOf(r)).toBeDefined();
      expect(supportsFieldValidation(doc as OpenApiDocument, { group: r.group, version: r.version, kind: r.kind }), r.kind).toBe(true);
    }
  });

  it('accepts the path as the handler passes it, and refuses unknown group-versions', () => {
    expect(openapiDocument('/openapi/v3/apis/apps/v1?hash=abc')).toBe(openapiDocument('apis/apps/v1'));
    expect(openapiDocument('apis/nope/v1')).toBeUndefined();
  });

  it('documents are self-contained', () => {
    for (const key of Object.keys(openapiIndex().paths)) {
      const doc = openapiDocument(key) as OpenApiDocument;
      for (const ref of refs(doc)) expect(doc.components.schemas[ref.replace('#/components/schemas/', '')], `${key} ${ref}`).toBeDefined();
    }
  });

  it('explain pods.spec.containers walks to Container, with descriptions and patch keys', () => {
    const doc = openapiDocument('api/v1') as OpenApiDocument;
    const pod = explain(doc, 'Pod', []);
    expect(pod?.['x-kubernetes-group-version-kind']).toEqual([{ group: '', version: 'v1', kind: 'Pod' }]);
    const container = explain(doc, 'Pod', ['spec', 'containers']);
    expect(container?.required).toEqual(['name']);
    expect(container?.properties?.image?.description).toMatch(/Container image name/);
    const containers = explain(doc, 'Pod', ['spec'])?.properties?.containers;
    expect(containers?.['x-kubernetes-patch-merge-key']).toBe('name');
    expect(containers?.['x-kubernetes-patch-strategy']).toBe('merge');
    expect(explain(doc, 'Pod', ['spec', 'containers', 'ports'])?.required).toEqual(['containerPort']);
    const apps = openapiDocument('apis/apps/v1') as OpenApiDocument;
    expect(explain(apps, 'Deployment', ['spec', 'template', 'spec', 'containers'])?.properties?.name).toBeDefined();
    expect(apps.components.schemas['io.k8s.api.apps.v1.DeploymentList']?.properties?.items).toBeDefined();
  });

  it('describes Skiff hosts', () => {
    const doc = openapiDocument('apis/skiff.dev/v1alpha1') as OpenApiDocument;
    expect(explain(doc, 'Host', ['spec'])?.required).toEqual(['address', 'user']);
    expect(doc.paths['/apis/skiff.dev/v1alpha1/hosts/{name}/status']).toBeDefined();
  });
});
