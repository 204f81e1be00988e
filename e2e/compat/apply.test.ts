import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/kubectl.js';
import { startCompatCluster, type CompatCluster } from './cluster.js';

// kubectl apply: client-side (three-way with last-applied), files, directories, multi-document
// files, and server-side apply with managed fields and conflicts.
let c: CompatCluster;

const cm = (name: string, data: string, labels = '{app: demo}') => `apiVersion: v1
kind: ConfigMap
metadata:
  name: ${name}
  labels: ${labels}
data: ${data}
`;

const deploy = (replicas: number, env: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  labels: {app: api}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: local/busybox:1
        command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
        env: ${env}
`;

interface Entry {
  manager: string;
  operation: string;
  subresource?: string;
  fieldsV1: Record<string, unknown>;
}

async function managedFields(kind: string, name: string): Promise<Entry[]> {
  const o = JSON.parse(await c.k.ok(['get', kind, name, '-o', 'json', '--show-managed-fields'])) as { metadata: { managedFields?: Entry[] } };
  return o.metadata.managedFields ?? [];
}

beforeAll(async () => {
  c = await startCompatCluster('compat-apply');
});

afterAll(async () => {
  await c?.stop();
});

describe('kubectl apply (client-side)', () => {
  it('applies a multi-document file, then reports unchanged', async () => {
    const f = c.file('multi.yaml', `${cm('one', '{a: "1"}')}---\n${cm('two', '{b: "2"}')}`);
    expect(await c.k.ok(['apply', '-f', f])).toBe('configmap/one created\nconfigmap/two created\n');
    expect(await c.k.ok(['apply', '-f', f])).toBe('configmap/one unchanged\nconfigmap/two unchanged\n');
  });

  it('applies a directory (recursively with -R)', async () => {
    c.file('dir/a.yaml', cm('dir-a', '{x: "1"}'));
    c.file('dir/b.json', JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dir-b' }, data: { y: '2' } }));
    c.file('dir/nested/c.yaml', cm('dir-c', '{z: "3"}'));
    const dir = c.file('dir/README.txt', 'not a manifest').replace(/\/README\.txt$/, '');
    expect(await c.k.ok(['apply', '-f', dir])).toBe('configmap/dir-a created\nconfigmap/dir-b created\n');
    expect(await c.k.ok(['apply', '-R', '-f', dir])).toBe('configmap/dir-a unchanged\nconfigmap/dir-b unchanged\nconfigmap/dir-c created\n');
  });

  it('removes a field dropped from the manifest (three-way merge with last-applied)', async () => {
    await c.k.ok(['apply', '-f', c.file('api.yaml', deploy(1, '[{name: A, value: "1"}, {name: B, value: "2"}]'))]);
    await c.k.ok(['apply', '-f', c.file('cm3.yaml', cm('three', '{keep: "1", drop: "2"}', '{app: demo, extra: "yes"}'))]);
    // A field set by someone else (not in last-applied) must survive.
    await c.k.ok(['label', 'cm', 'three', 'owner=someone-else']);
    expect(await c.k.ok(['apply', '-f', c.file('cm3.yaml', cm('three', '{keep: "1"}', '{app: demo}'))])).toBe('configmap/three configured\n');
    const three = JSON.parse(await c.k.ok(['get', 'cm', 'three', '-o', 'json'])) as { data: Record<string, string>; metadata: { labels: Record<string, string>; annotations: Record<string, string> } };
    expect(three.data).toEqual({ keep: '1' });
    expect(three.metadata.labels).toEqual({ app: 'demo', owner: 'someone-else' });
    expect(JSON.parse(three.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'] as string)).toMatchObject({ data: { keep: '1' } });

    expect(await c.k.ok(['apply', '-f', c.file('api.yaml', deploy(1, '[{name: A, value: "1"}]'))])).toBe('deployment.apps/api configured\n');
    expect(await c.k.ok(['get', 'deploy', 'api', '-o', 'jsonpath={.spec.template.spec.containers[0].env}'])).toBe('[{"name":"A","value":"1"}]');
  });

  it('records client-side apply and other writers as Update managers', async () => {
    await c.k.ok(['annotate', 'cm', 'three', 'note=hi']);
    const entries = await managedFields('cm', 'three');
    const csa = entries.find((e) => e.manager === 'kubectl-client-side-apply');
    expect(csa).toMatchObject({ operation: 'Update' });
    expect(csa?.fieldsV1).toMatchObject({ 'f:data': { 'f:keep': {} }, 'f:metadata': { 'f:annotations': { 'f:kubectl.kubernetes.io/last-applied-configuration': {} } } });
    expect(entries.find((e) => e.manager === 'kubectl-label')).toMatchObject({ operation: 'Update', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:owner': {} } } } });
    expect(entries.find((e) => e.manager === 'kubectl-annotate')).toMatchObject({ operation: 'Update', fieldsV1: { 'f:metadata': { 'f:annotations': { 'f:note': {} } } } });
  });

  it('refuses unknown fields under the default Strict validation, naming the field', async () => {
    const bad = c.file('unknown.yaml', `${cm('strict', '{a: "1"}')}spec: {nope: 1}\n`);
    const r = await c.k.run(['apply', '-f', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error from server (BadRequest): error when creating "' + bad + '": ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "spec"');
    const nested = c.file('unknown2.yaml', deploy(1, '[{name: A, value: "1", valu: "typo"}]'));
    const r2 = await c.k.run(['apply', '-f', nested]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('unknown field "spec.template.spec.containers[0].env[0].valu"');
    // Validation off: the unknown field is dropped, as kube-apiserver's decoder does.
    expect(await c.k.ok(['apply', '--validate=false', '-f', bad])).toBe('configmap/strict created\n');
    expect(await c.k.ok(['get', 'cm', 'strict', '-o', 'jsonpath={.spec}'])).toBe('');
  });
});

describe('kind: List files (kubectl validates them itself, from /openapi/v2)', () => {
  const list = (items: string) => `apiVersion: v1\nkind: List\nitems:\n${items}`;
  const svc = (name: string, extra = '') => `- apiVersion: v1
  kind: Service
  metadata: {name: ${name}}
  spec:${extra}
    selector: {app: listed}
    ports: [{port: 80, targetPort: 8080}]
`;
  const cmItem = (name: string) => `- apiVersion: v1
  kind: ConfigMap
  metadata: {name: ${name}}
  data: {a: "1"}
`;

  it('creates and applies a List with the default validation; an unknown field is refused by kubectl, naming it', async () => {
    const good = c.file('list.yaml', list(cmItem('listed-cm') + svc('listed-svc')));
    expect(await c.k.ok(['create', '-f', good])).toBe('configmap/listed-cm created\nservice/listed-svc created\n');
    expect(await c.k.ok(['apply', '-f', good])).toContain('service/listed-svc');
    // Client-side: nothing is sent (the ConfigMap before it is not created either).
    const bad = c.file('list-bad.yaml', list(cmItem('never-cm') + svc('never-svc', '\n    bogus: 1')));
    const r = await c.k.run(['create', '-f', bad]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error validating data: ValidationError(Service.spec): unknown field "bogus" in io.k8s.api.core.v1.ServiceSpec');
    expect((await c.k.run(['get', 'cm', 'never-cm'])).code).toBe(1);
  });

  it('re-applies what `get -o yaml` exported (a List of objects with status and managed fields)', async () => {
    const exported = await c.k.ok(['get', 'cm,svc', '-o', 'yaml']);
    expect(exported).toMatch(/^apiVersion: v1\nitems:/);
    const r = await c.k.run(['apply', '-f', c.file('exported.yaml', exported)]);
    expect(r.stderr.replace(/Warning: resource [^\n]*\n/g, '')).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('service/listed-svc');
  });
});

describe('kubectl apply --server-side', () => {
  const ssa = (replicas: number, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ssa
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ssa}
  template:
    metadata:
      labels: {app: ssa}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: local/busybox:1
        command: ["sleep", "3600"]${extra}
`;

  it('creates, then records an Apply entry with the fields the manager set', async () => {
    expect(await c.k.ok(['apply', '--server-side', '--field-manager=team-a', '-f', c.file('ssa.yaml', ssa(1))])).toBe('deployment.apps/ssa serverside-applied\n');
    const entries = await managedFields('deploy', 'ssa');
    const a = entries.find((e) => e.manager === 'team-a');
    expect(a?.operation).toBe('Apply');
    expect(a?.fieldsV1).toEqual({
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:containers': { 'k:{"name":"main"}': { '.': {}, 'f:command': {}, 'f:image': {}, 'f:name': {} } },
            'f:terminationGracePeriodSeconds': {},
          },
        },
      },
    });
    // The controllers' status writes are Update entries on the status subresource.
    await eventually('a status entry', async () => (await managedFields('deploy', 'ssa')).some((e) => e.subresource === 'status' && e.operation === 'Update' && 'f:status' in e.fieldsV1), 30_000);
  });

  it('refuses a conflicting value from another manager with 409 and the conflict list', async () => {
    const f = c.file('ssa-b.yaml', ssa(3));
    const r = await c.k.run(['apply', '--server-side', '--field-manager=team-b', '-f', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: Apply failed with 1 conflict: conflict with "team-a": .spec.replicas');
    expect(r.stderr).toContain('--force-conflicts');
    const two = c.file('ssa-b2.yaml', ssa(3).replace('image: local/busybox:1', 'image: local/busybox:2'));
    const r2 = await c.k.run(['apply', '--server-side', '--field-manager=team-b', '-f', two]);
    expect(r2.stderr).toContain('error: Apply failed with 2 conflicts: conflicts with "team-a":\n- .spec.replicas\n- .spec.template.spec.containers[name="main"].image');
    // The same value is shared ownership, not a conflict.
    expect(await c.k.ok(['apply', '--server-side', '--field-manager=team-b', '-f', c.file('ssa-same.yaml', ssa(1))])).toContain('serverside-applied');
    // A conflict with an Update manager names its API version and time.
    await c.k.ok(['scale', 'deploy/ssa', '--replicas=2']);
    const r3 = await c.k.run(['apply', '--server-side', '--field-manager=team-a', '-f', c.file('ssa-a1.yaml', ssa(1))]);
    expect(r3.stderr).toMatch(/Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps\/v1 at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ: \.spec\.replicas/);
  });

  it('--force-conflicts takes the fields over', async () => {
    expect(await c.k.ok(['apply', '--server-side', '--field-manager=team-b', '--force-conflicts', '-f', c.file('ssa-b.yaml', ssa(3))])).toContain('serverside-applied');
    expect(await c.k.ok(['get', 'deploy', 'ssa', '-o', 'jsonpath={.spec.replicas}'])).toBe('3');
    const entries = await managedFields('deploy', 'ssa');
    expect(entries.find((e) => e.manager === 'team-b')?.fieldsV1).toMatchObject({ 'f:spec': { 'f:replicas': {} } });
    expect(JSON.stringify(entries.find((e) => e.manager === 'team-a')?.fieldsV1)).not.toContain('f:replicas');
  });

  it('removes a field its manager stops applying, unless another manager owns it', async () => {
    const withEnv = ssa(3, '\n        env: [{name: A, value: "1"}, {name: B, value: "2"}]');
    await c.k.ok(['apply', '--server-side', '--field-manager=team-b', '-f', c.file('env.yaml', withEnv)]);
    await c.k.ok(['apply', '--server-side', '--field-manager=team-b', '-f', c.file('env.yaml', ssa(3, '\n        env: [{name: A, value: "1"}]'))]);
    expect(await c.k.ok(['get', 'deploy', 'ssa', '-o', 'jsonpath={.spec.template.spec.containers[0].env}'])).toBe('[{"name":"A","value":"1"}]');
    // team-a still applies the command: team-b dropping it leaves it in place.
    expect(await c.k.ok(['get', 'deploy', 'ssa', '-o', 'jsonpath={.spec.template.spec.containers[0].command}'])).toBe('["sleep","3600"]');
  });

  it('takes over a client-side applied object (kubectl migrates its managers)', async () => {
    await c.k.ok(['apply', '-f', c.file('mig.yaml', cm('migrate', '{a: "1", b: "2"}'))]);
    expect(await c.k.ok(['apply', '--server-side', '-f', c.file('mig.yaml', cm('migrate', '{a: "1"}'))])).toBe('configmap/migrate serverside-applied\n');
    expect(await c.k.ok(['get', 'cm', 'migrate', '-o', 'jsonpath={.data}'])).toBe('{"a":"1"}');
    const managers = (await managedFields('cm', 'migrate')).map((e) => `${e.manager}/${e.operation}`);
    expect(managers).toContain('kubectl/Apply');
    expect(managers).not.toContain('kubectl-client-side-apply/Update');
  });
});
