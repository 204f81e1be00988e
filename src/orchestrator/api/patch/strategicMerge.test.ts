import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.js';
import { resourceType } from '../resources.js';
import { schemaFor } from '../schema/index.js';
import { applyPatch } from './index.js';
import { strategicMergePatch } from './strategicMerge.js';

const deploySchema = schemaFor(resourceType('deployments'));
const podSchema = schemaFor(resourceType('pods'));
const svcSchema = schemaFor(resourceType('services'));

function deployment(containers: unknown[], extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, finalizers: ['a.io/x'] },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers, ...extra } },
    },
  };
}

const web = (over: Record<string, unknown> = {}) => ({
  name: 'web',
  image: 'nginx:1.1',
  env: [
    { name: 'A', value: '1' },
    { name: 'B', value: '2' },
  ],
  ports: [{ containerPort: 80, protocol: 'TCP' }, { containerPort: 8080, protocol: 'TCP' }],
  args: ['--a', '--b'],
  ...over,
});

type Case = { name: string; target: unknown; patch: unknown; schema?: typeof deploySchema; expect: (out: unknown) => void };

/** Reads a dotted path (`spec.containers.0.image`) of decoded JSON. */
function at(o: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((x, k) => (x !== null && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), o);
}

function names(list: unknown): string[] {
  return (list as { name: string }[]).map((c) => c.name);
}

const cases: Case[] = [
  {
    name: 'kubectl apply: image change, env var removed, order kept via $setElementOrder',
    target: deployment([web(), { name: 'sidecar', image: 'busybox:1' }]),
    patch: {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
            containers: [{ '$setElementOrder/env': [{ name: 'A' }], env: [{ $patch: 'delete', name: 'B' }], image: 'nginx:1.2', name: 'web' }],
          },
        },
      },
    },
    expect: (o) => {
      const [c0, c1] = at(o, 'spec.template.spec.containers') as Record<string, unknown>[];
      expect(c0?.image).toBe('nginx:1.2');
      expect(c0?.env).toEqual([{ name: 'A', value: '1' }]);
      expect(c0?.ports).toHaveLength(2);
      expect(c1).toEqual({ name: 'sidecar', image: 'busybox:1' });
      expect(JSON.stringify(o)).not.toContain('$');
    },
  },
  {
    name: 'a new container is appended and merged lists keep server-only entries',
    target: deployment([web()]),
    patch: { spec: { template: { spec: { containers: [{ name: 'log', image: 'busybox:1', env: [{ name: 'X', value: null }] }] } } } },
    expect: (o) => {
      expect(names(at(o, 'spec.template.spec.containers'))).toEqual(['web', 'log']);
      // IgnoreUnmatchedNulls: a null inside a new element is dropped.
      expect(at(o, 'spec.template.spec.containers.1.env')).toEqual([{ name: 'X' }]);
    },
  },
  {
    // mergeSortedSlice: `s` (server-only) stays ahead of `b`, which followed it on the server.
    name: '$setElementOrder puts patched items in order, server-only items keep their place',
    target: deployment([{ name: 'a', image: 'x' }, { name: 's', image: 'x' }, { name: 'b', image: 'x' }]),
    patch: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'c' }, { name: 'a' }], containers: [{ name: 'c', image: 'y' }] } } } },
    expect: (o) => expect(names(at(o, 'spec.template.spec.containers'))).toEqual(['s', 'b', 'c', 'a']),
  },
  {
    name: '$setElementOrder alone reorders an untouched list',
    target: deployment([{ name: 'a', image: 'x' }, { name: 'b', image: 'x' }]),
    patch: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } } } },
    expect: (o) => expect(names(at(o, 'spec.template.spec.containers'))).toEqual(['b', 'a']),
  },
  {
    name: 'ports merge by containerPort; $patch delete removes one',
    target: deployment([web()]),
    patch: {
      spec: {
        template: {
          spec: { containers: [{ name: 'web', '$setElementOrder/ports': [{ containerPort: 80 }], ports: [{ $patch: 'delete', containerPort: 8080 }] }] },
        },
      },
    },
    expect: (o) => expect(at(o, 'spec.template.spec.containers.0.ports')).toEqual([{ containerPort: 80, protocol: 'TCP' }]),
  },
  {
    name: 'args and command are atomic: replaced whole',
    target: deployment([web()]),
    patch: { spec: { template: { spec: { containers: [{ name: 'web', args: ['--c'] }] } } } },
    expect: (o) => expect(at(o, 'spec.template.spec.containers.0.args')).toEqual(['--c']),
  },
  {
    name: 'tolerations are atomic',
    target: deployment([web()], { tolerations: [{ key: 'a', operator: 'Exists' }] }),
    patch: { spec: { template: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } } } },
    expect: (o) => expect(at(o, 'spec.template.spec.tolerations')).toEqual([{ key: 'b', operator: 'Exists' }]),
  },
  {
    name: 'null deletes a key (field removed from the manifest)',
    target: deployment([web()]),
    patch: { spec: { replicas: null }, metadata: { labels: { app: null, tier: 'fe' } } },
    expect: (o) => {
      expect(at(o, 'spec.replicas')).toBeUndefined();
      expect(at(o, 'metadata.labels')).toEqual({ tier: 'fe' });
    },
  },
  {
    name: 'strategy switch to Recreate with $retainKeys drops rollingUpdate',
    target: deployment([web()]),
    patch: { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: null, type: 'Recreate' } } },
    expect: (o) => expect(at(o, 'spec.strategy')).toEqual({ type: 'Recreate' }),
  },
  {
    name: 'volumes merge by name with $retainKeys switching the source',
    target: deployment([web()], { volumes: [{ name: 'data', emptyDir: {} }, { name: 'cfg', configMap: { name: 'c' } }] }),
    patch: { spec: { template: { spec: { volumes: [{ $retainKeys: ['configMap', 'name'], configMap: { name: 'x' }, emptyDir: null, name: 'data' }] } } } },
    expect: (o) =>
      expect(at(o, 'spec.template.spec.volumes')).toEqual([
        { name: 'data', configMap: { name: 'x' } },
        { name: 'cfg', configMap: { name: 'c' } },
      ]),
  },
  {
    name: 'volumeMounts merge by mountPath',
    target: deployment([web({ volumeMounts: [{ name: 'data', mountPath: '/d' }, { name: 'cfg', mountPath: '/c' }] })]),
    patch: { spec: { template: { spec: { containers: [{ name: 'web', volumeMounts: [{ mountPath: '/d', readOnly: true }] }] } } } },
    expect: (o) =>
      expect(at(o, 'spec.template.spec.containers.0.volumeMounts')).toEqual([
        { name: 'data', mountPath: '/d', readOnly: true },
        { name: 'cfg', mountPath: '/c' },
      ]),
  },
  {
    name: '$patch: replace on a list replaces it',
    target: deployment([web(), { name: 'b', image: 'x' }]),
    patch: { spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'z' }] } } } },
    expect: (o) => expect(at(o, 'spec.template.spec.containers')).toEqual([{ name: 'only', image: 'z' }]),
  },
  {
    name: '$patch: replace on a map replaces it',
    target: deployment([web()]),
    patch: { metadata: { labels: { $patch: 'replace', only: 'this' } } },
    expect: (o) => expect(at(o, 'metadata.labels')).toEqual({ only: 'this' }),
  },
  {
    name: '$patch: delete on a map empties it',
    target: deployment([web()]),
    patch: { spec: { selector: { $patch: 'delete' } } },
    expect: (o) => expect(at(o, 'spec.selector')).toEqual({}),
  },
  {
    name: 'finalizers merge as a set; $deleteFromPrimitiveList removes',
    target: deployment([web()]),
    patch: { metadata: { finalizers: ['b.io/y'], '$deleteFromPrimitiveList/finalizers': ['a.io/x'] } },
    expect: (o) => expect(at(o, 'metadata.finalizers')).toEqual(['b.io/y']),
  },
  {
    name: 'finalizers union keeps existing ones',
    target: deployment([web()]),
    patch: { metadata: { finalizers: ['a.io/x', 'b.io/y'] } },
    expect: (o) => expect(at(o, 'metadata.finalizers')).toEqual(['a.io/x', 'b.io/y']),
  },
  {
    name: 'ownerReferences merge by uid',
    target: { ...deployment([web()]), metadata: { name: 'web', ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'a', uid: '1' }] } },
    patch: { metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'Y', name: 'b', uid: '2' }, { uid: '1', controller: true }] } },
    expect: (o) =>
      expect(at(o, 'metadata.ownerReferences')).toEqual([
        { apiVersion: 'v1', kind: 'X', name: 'a', uid: '1', controller: true },
        { apiVersion: 'v1', kind: 'Y', name: 'b', uid: '2' },
      ]),
  },
  {
    name: 'service ports merge by port',
    schema: svcSchema,
    target: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { clusterIP: '10.0.0.5', ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }, { port: 443, protocol: 'TCP' }] } },
    patch: { spec: { '$setElementOrder/ports': [{ port: 80 }, { port: 443 }], ports: [{ port: 80, targetPort: 9090 }] } },
    expect: (o) => {
      expect(at(o, 'spec.ports')).toEqual([{ port: 80, targetPort: 9090, protocol: 'TCP' }, { port: 443, protocol: 'TCP' }]);
      expect(at(o, 'spec.clusterIP')).toBe('10.0.0.5');
    },
  },
  {
    name: 'pod status conditions merge by type (status patches)',
    schema: podSchema,
    target: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { conditions: [{ type: 'Ready', status: 'False' }, { type: 'PodScheduled', status: 'True' }] } },
    patch: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
    expect: (o) => expect(at(o, 'status.conditions')).toEqual([{ type: 'Ready', status: 'True' }, { type: 'PodScheduled', status: 'True' }]),
  },
  {
    name: 'rollout restart annotation on the template',
    target: deployment([web()]),
    patch: { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' } } } } },
    expect: (o) => {
      expect(at(o, 'spec.template.metadata')).toEqual({ labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/restartedAt': '2025-01-01T00:00:00Z' } });
      expect(at(o, 'spec.template.spec.containers')).toHaveLength(1);
    },
  },
  {
    name: 'without a schema, lists replace and maps merge',
    schema: undefined,
    target: { a: { b: 1, c: [1, 2] } },
    patch: { a: { c: [3], d: 2 } },
    expect: (o) => expect(o).toEqual({ a: { b: 1, c: [3], d: 2 } }),
  },
];

describe('strategicMergePatch', () => {
  it.each(cases)('$name', (c) => {
    const schema = 'schema' in c ? c.schema : deploySchema;
    const before = JSON.stringify(c.target);
    c.expect(strategicMergePatch(c.target, c.patch, schema));
    expect(JSON.stringify(c.target)).toBe(before);
  });

  it.each([
    [{ spec: { template: { spec: { containers: [{ image: 'x' }] } } } }, /does not contain declared merge key: name/, 400],
    [{ spec: { strategy: { $retainKeys: ['type'], rollingUpdate: { maxSurge: 1 } } } }, /retainKeys/, 422],
    [{ spec: { $patch: 'explode' } }, /unknown patch type/, 400],
    [{ metadata: { '$deleteFromPrimitiveList/finalizers': 'x' } }, /must be a list/, 400],
    [['not', 'a', 'map'], /must be a JSON object/, 400],
  ])('refuses malformed patch %j', (patch, message, code) => {
    try {
      strategicMergePatch(deployment([web()]), patch, deploySchema);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ApiError);
      expect((e as ApiError).code).toBe(code);
      expect((e as ApiError).message).toMatch(message);
    }
  });

  it('applyPatch dispatches the four patch types', () => {
    const r = resourceType('deployments');
    const cur = deployment([web()]) as never;
    expect((applyPatch('merge', r, cur, { spec: { replicas: 5 } }).spec as { replicas: number }).replicas).toBe(5);
    const merged = applyPatch('merge', r, cur, { spec: { template: { spec: { containers: [{ name: 'x', image: 'y' }] } } } });
    expect(at(merged, 'spec.template.spec.containers')).toEqual([{ name: 'x', image: 'y' }]);
    const smp = applyPatch('strategic', r, cur, { spec: { template: { spec: { containers: [{ name: 'x', image: 'y' }] } } } });
    expect(at(smp, 'spec.template.spec.containers')).toHaveLength(2);
    const jp = applyPatch('json', r, cur, [{ op: 'replace', path: '/spec/replicas', value: 7 }]);
    expect(at(jp, 'spec.replicas')).toBe(7);
    expect(() => applyPatch('json', r, cur, [{ op: 'test', path: '/spec/replicas', value: 9 }])).toThrow(ApiError);
    expect(() => applyPatch('merge', r, cur, 'x')).toThrow(/must be a JSON object/);
  });
});
