import { describe, expect, it } from 'vitest';
import { RESOURCES } from '../resources.js';
import { REF_PREFIX, definitions, refName, resolve, schemaFor, type SchemaObject } from './index.js';

describe('schema definitions', () => {
  it('cover every served kind with its group-version-kind', () => {
    for (const r of RESOURCES) {
      const s = schemaFor(r);
      expect(s, r.kind).toBeDefined();
      expect(s?.['x-kubernetes-group-version-kind']).toEqual([{ group: r.group, version: r.version, kind: r.kind }]);
      expect(s?.properties?.metadata, r.kind).toBeDefined();
    }
  });

  it('every $ref resolves', () => {
    const walk = (s: unknown): void => {
      if (Array.isArray(s)) return s.forEach(walk);
      if (!s || typeof s !== 'object') return;
      const o = s as SchemaObject;
      if (o.$ref) expect(definitions[o.$ref.slice(REF_PREFIX.length)], o.$ref).toBeDefined();
      Object.values(o).forEach(walk);
    };
    walk(definitions);
  });

  it('carries types, formats, required fields and patch metadata', () => {
    const podSpec = definitions['io.k8s.api.core.v1.PodSpec'] as SchemaObject;
    expect(podSpec.required).toEqual(['containers']);
    expect(podSpec.properties?.terminationGracePeriodSeconds).toMatchObject({ type: 'integer', format: 'int64' });
    expect(podSpec.properties?.volumes).toMatchObject({ 'x-kubernetes-patch-strategy': 'merge,retainKeys', 'x-kubernetes-patch-merge-key': 'name' });
    expect(refName(podSpec.properties?.containers?.items as SchemaObject)).toBe('io.k8s.api.core.v1.Container');
    const limits = resolve(definitions['io.k8s.api.core.v1.Container']?.properties?.resources as SchemaObject).properties?.limits;
    expect(refName(limits?.additionalProperties as SchemaObject)).toBe('io.k8s.apimachinery.pkg.api.resource.Quantity');
    expect(definitions['io.k8s.api.core.v1.Secret']?.properties?.data?.additionalProperties).toMatchObject({ type: 'string', format: 'byte' });
    expect(refName(definitions['io.k8s.api.core.v1.PodTemplateSpec']?.properties?.spec as SchemaObject)).toBe('io.k8s.api.core.v1.PodSpec');
    expect(definitions['io.k8s.api.apps.v1.PodTemplateSpec']).toBeUndefined();
  });
});
