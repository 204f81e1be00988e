import { describe, expect, it } from 'vitest';
import { resourceType } from '../api/resources.js';
import { schemaFor } from '../api/schema/index.js';
import { runSteps } from '../util/pacer.js';
import { STEP } from './fieldpath.js';
import { addedFieldsV1Steps, compareSteps, pathCut } from './typedWalk.js';

const STRIPPED = [['f:apiVersion'], ['f:kind'], ...['name', 'namespace', 'uid', 'managedFields', 'resourceVersion'].map((f) => ['f:metadata', `f:${f}`])];

/** What the general path writes for a create: the comparison with nothing, its added set cut, encoded. */
function reference(resource: string | undefined, obj: unknown): string | undefined {
  const schema = resource ? schemaFor(resourceType(resource)) : undefined;
  const set = runSteps(compareSteps(schema, undefined, obj)).added.withoutPrefixes(STRIPPED);
  return set.isEmpty() ? undefined : JSON.stringify(set.toFieldsV1());
}

function direct(resource: string | undefined, obj: unknown): string | undefined {
  const schema = resource ? schemaFor(resourceType(resource)) : undefined;
  const tree = runSteps(addedFieldsV1Steps(schema, obj, pathCut(STRIPPED)));
  return tree === undefined ? undefined : JSON.stringify(tree);
}

const bigData = Object.fromEntries(Array.from({ length: STEP * 2 + 7 }, (_, i) => [`key-${(i * 7919) % 100_000}`, i % 5 === 0 ? null : `v${i}`]));

// Compared as JSON text: the key order of each node (sorted, "." first) is part of the tree.
const cases: [string, string | undefined, unknown][] = [
  [
    'a pod with keyed lists, sets, defaults, nulls and empty values',
    'pods',
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', uid: 'u', labels: { app: 'a', tier: null, constructor: 'x' }, annotations: {}, finalizers: ['b', 'a', 'b'], ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'o', uid: 'u1' }], managedFields: [{ manager: 'm' }] },
      spec: {
        containers: [
          { name: 'c', image: 'i', ports: [{ containerPort: 80 }, { containerPort: 80, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP' }], env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }], resources: { requests: { cpu: '10m' } }, args: [] },
          { name: 'd', image: 'j', securityContext: {} },
          { image: 'no-name' },
        ],
        tolerations: [{ key: 'k', operator: 'Exists' }],
        nodeSelector: { a: 'b' },
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In', values: ['v'] }] }] } } },
        volumes: [{ name: 'v', emptyDir: {} }],
        securityContext: {},
        priority: 0,
        hostNetwork: false,
      },
      status: {},
    },
  ],
  ['a deployment (template, strategy: fields always present)', 'deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 1, selector: { matchLabels: { app: 'd' } }, strategy: {}, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } }],
  ['a service with ports keyed by port and protocol', 'services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, name: 'http' }, { port: 80, protocol: 'UDP' }], selector: { app: 'a' }, clusterIPs: ['10.0.0.1'] } }],
  ['an event', 'events', { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'p' }, reason: 'Scheduled', message: 'm', count: 1, eventTime: null, source: { component: 'x' } }],
  ['a ConfigMap of more keys than a step, some null', 'configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: bigData, binaryData: { b: 'AA==' } }],
  ['a ConfigMap whose big map is all null', 'configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: Object.fromEntries(Array.from({ length: STEP + 1 }, (_, i) => [`k${i}`, null])) }],
  ['an object of an unknown kind (no schema)', undefined, { apiVersion: 'x/v1', kind: 'Thing', metadata: { name: 't', labels: { a: 'b' } }, spec: { list: [1, 2], nested: { deep: { x: 1 } }, empty: {} } }],
  ['only stripped fields', 'configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' } }],
  ['nothing', 'configmaps', {}],
];

describe('addedFieldsV1Steps (a create\'s managed fields in one walk)', () => {
  it.each(cases)('writes what the comparison writes: %s', (_, resource, obj) => {
    const want = reference(resource, obj);
    expect(direct(resource, obj)).toBe(want);
  });

  it('the reference is not trivial: the cases own fields', () => {
    expect(reference('pods', cases[0]?.[2])).toContain('"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{}');
    expect(reference('configmaps', cases[4]?.[2])?.length).toBeGreaterThan(STEP * 10);
    expect(reference('configmaps', cases[7]?.[2])).toBeUndefined();
  });

  it('yields while it fills a big map, so a caller can let the event loop turn', () => {
    const steps = addedFieldsV1Steps(schemaFor(resourceType('configmaps')), cases[4]?.[2], pathCut(STRIPPED));
    let yields = 0;
    for (let s = steps.next(); !s.done; s = steps.next()) yields++;
    expect(yields).toBeGreaterThanOrEqual(2);
  });
});
