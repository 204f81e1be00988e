import { describe, expect, it } from 'vitest';
import { explain, fieldsAt, lintYaml, placeAt, rootSchema, schemaAt, schemasOf, typeName } from './schema.js';

// A slice of an OpenAPI v3 document as the server serves it (refs, allOf wrappers, oneOf, int-or-string).
const doc = {
  openapi: '3.0.0',
  components: {
    schemas: {
      'io.k8s.api.apps.v1.Deployment': {
        type: 'object',
        properties: {
          apiVersion: { type: 'string' },
          kind: { type: 'string' },
          metadata: { allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }], description: 'Standard object metadata.' },
          spec: { $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec' },
        },
        'x-kubernetes-group-version-kind': [{ group: 'apps', version: 'v1', kind: 'Deployment' }],
      },
      'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': { type: 'object', properties: { name: { type: 'string', description: 'Name must be unique.' }, labels: { type: 'object', additionalProperties: { type: 'string' } } } },
      'io.k8s.api.apps.v1.DeploymentSpec': {
        type: 'object',
        required: ['selector'],
        properties: {
          replicas: { type: 'integer', format: 'int32', description: 'Number of desired pods.' },
          selector: { type: 'object' },
          paused: { type: 'boolean' },
          strategy: { type: 'object', properties: { type: { type: 'string', enum: ['Recreate', 'RollingUpdate'] }, maxSurge: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.util.intstr.IntOrString' } } },
          containers: { type: 'array', items: { $ref: '#/components/schemas/io.k8s.api.core.v1.Container' } },
        },
      },
      'io.k8s.api.core.v1.Container': { type: 'object', required: ['name'], properties: { name: { type: 'string' }, image: { type: 'string' }, cpu: { oneOf: [{ type: 'string' }, { type: 'number' }] } } },
      'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { oneOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true },
    },
  },
};
const schemas = schemasOf(doc);
const root = rootSchema(schemas, 'apps', 'v1', 'Deployment');

describe('OpenAPI schema lookups', () => {
  it('finds the kind, walks refs, allOf wrappers, lists and maps, and names types as kubectl explain does', () => {
    expect(root).toBeDefined();
    expect(schemaAt(schemas, root, ['spec', 'replicas'])?.type).toBe('integer');
    expect(schemaAt(schemas, root, ['metadata'])?.description).toBe('Standard object metadata.');
    expect(schemaAt(schemas, root, ['metadata', 'labels', 'anything'])?.type).toBe('string');
    expect(schemaAt(schemas, root, ['spec', 'containers', 0, 'name'])?.type).toBe('string');
    expect(schemaAt(schemas, root, ['spec', 'nope'])).toBeUndefined();
    expect(typeName(schemas, schemaAt(schemas, root, ['spec', 'containers']))).toBe('[]object');
    expect(typeName(schemas, schemaAt(schemas, root, ['metadata', 'labels']))).toBe('map[string]string');
    expect(typeName(schemas, schemaAt(schemas, root, ['spec', 'strategy', 'maxSurge']))).toBe('int-or-string');
  });

  it('lints: unknown fields in the server\'s words, types, required fields, enums; accepts int-or-string and quantities', () => {
    const text = ['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: web', '  labels: {app: web}', 'spec:', '  replica: 2', '  paused: "yes"', '  strategy: {type: Sometimes, maxSurge: 25%}', '  containers:', '  - image: x', '    cpu: 0.5', '  - name: b', '    cpu: 100m', ''].join('\n');
    const d = lintYaml(text, schemas, root);
    expect(d.map((x) => `${x.severity} ${x.message} @${text.slice(x.from, x.to)}`)).toEqual([
      'error unknown field "spec.replica" @replica',
      'error spec.paused: expected boolean, got string @"yes"',
      'warning spec.strategy.type: "Sometimes" is not one of "Recreate", "RollingUpdate" @Sometimes',
      'error spec.containers[0].name: Required value @image: x',
      'error spec.selector: Required value @spec',
    ]);
  });

  it('reports YAML syntax errors first, and nothing without a schema', () => {
    expect(lintYaml('a: [1,\n', schemas, root)[0]?.severity).toBe('error');
    expect(lintYaml('anything: goes\n', schemas, undefined)).toEqual([]);
  });

  it('knows where the cursor is: the key under it, or the mapping being typed in', () => {
    const text = 'spec:\n  replicas: 2\n  pau\n';
    expect(placeAt(text, text.indexOf('replicas') + 2)).toMatchObject({ path: ['spec'], key: 'replicas', onKey: true });
    expect(placeAt(text, text.indexOf('pau') + 3)).toMatchObject({ path: ['spec'], key: 'pau', onKey: true, siblings: ['replicas', 'pau'] });
    expect(placeAt(text, text.indexOf('2'))).toMatchObject({ path: ['spec', 'replicas'], onKey: false });
  });

  it('offers the missing fields of a mapping, required first, and explains a field', () => {
    const f = fieldsAt(schemas, root, ['spec'], ['replicas']);
    expect(f.map((x) => x.name)).toEqual(['selector', 'containers', 'paused', 'strategy']);
    expect(f[0]).toMatchObject({ name: 'selector', required: true, type: 'object' });
    expect(explain(schemas, root, ['spec', 'replicas'])).toEqual({ path: 'spec.replicas', type: 'integer', description: 'Number of desired pods.' });
    expect(explain(schemas, root, [])).toBeUndefined();
  });
});
