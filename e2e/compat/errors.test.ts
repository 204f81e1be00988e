import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCompatCluster, type CompatCluster } from './cluster.js';

// Every refusal is a metav1.Status that kubectl prints as it does against a real cluster.
let c: CompatCluster;

beforeAll(async () => {
  c = await startCompatCluster('compat-errors', { localNode: 'off' });
});

afterAll(async () => {
  await c?.stop();
});

describe('errors as kubectl prints them', () => {
  it('NotFound', async () => {
    const r = await c.k.run(['get', 'pod', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error from server (NotFound): pods "nope" not found\n');
    expect((await c.k.run(['get', 'deploy', 'nope', '-n', 'kube-system'])).stderr).toBe('Error from server (NotFound): deployments.apps "nope" not found\n');
    expect((await c.k.run(['delete', 'cm', 'nope'])).stderr).toBe('Error from server (NotFound): configmaps "nope" not found\n');
    // kubectl 1.32 checks the namespace when an object is not found, and names what is missing.
    expect((await c.k.run(['get', 'pods', '-n', 'no-such-ns', 'x'])).stderr).toBe('Error from server (NotFound): namespaces "no-such-ns" not found\n');
    expect((await c.api('GET', '/api/v1/namespaces/no-such-ns/pods/x')).status).toBe(404);
    expect((await c.k.run(['create', 'cm', 'x', '-n', 'no-such-ns', '--from-literal=a=b'])).stderr).toContain('namespaces "no-such-ns" not found');
  });

  it('AlreadyExists', async () => {
    await c.k.ok(['create', 'cm', 'dup', '--from-literal=a=b']);
    const r = await c.k.run(['create', 'cm', 'dup', '--from-literal=a=b']);
    expect(r.stderr).toBe('error: failed to create configmap: configmaps "dup" already exists\n');
    const f = c.file('dup.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dup}\n');
    expect((await c.k.run(['create', '-f', f])).stderr).toBe(`Error from server (AlreadyExists): error when creating "${f}": configmaps "dup" already exists\n`);
  });

  it('Conflict: a write based on a stale resourceVersion', async () => {
    const stale = JSON.parse(await c.k.ok(['get', 'cm', 'dup', '-o', 'json'])) as { metadata: { resourceVersion: string } };
    await c.k.ok(['label', 'cm', 'dup', 'moved=on']);
    const f = c.file('stale.json', JSON.stringify({ ...stale, data: { a: 'changed' } }));
    const r = await c.k.run(['replace', '-f', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error from server (Conflict): error when replacing "${f}": Operation cannot be fulfilled on configmaps "dup": the object has been modified; please apply your changes to the latest version and try again\n`);
  });

  it('Invalid: every failing field is a cause with its path', async () => {
    const f = c.file('bad.yaml', `apiVersion: v1
kind: Pod
metadata: {name: Bad_Name, labels: {"in valid": x}}
spec:
  restartPolicy: Sometimes
  containers:
  - name: c
  - name: c
    image: x
    ports: [{containerPort: 70000}]
`);
    const r = await c.k.run(['create', '-f', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`The Pod "Bad_Name" is invalid: \n`);
    for (const line of [
      '* metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of',
      '* metadata.labels: Invalid value: "in valid": name part must consist of alphanumeric characters',
      '* spec.containers[0].image: Required value',
      '* spec.containers[1].name: Duplicate value: "c"',
      '* spec.containers[1].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      '* spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ]) {
      expect(r.stderr).toContain(line);
    }
    const api = await c.api('POST', '/api/v1/namespaces/default/pods', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }, { name: 'd' }] } }));
    expect(api.status).toBe(422);
    const status = JSON.parse(api.body) as { reason: string; details: { kind: string; name: string; causes: { reason: string; field: string }[] } };
    expect(status.reason).toBe('Invalid');
    expect(status.details).toMatchObject({ kind: 'Pod', name: 'p' });
    expect(status.details.causes.map((x) => [x.reason, x.field])).toEqual([
      ['FieldValueRequired', 'spec.containers[0].image'],
      ['FieldValueRequired', 'spec.containers[1].image'],
    ]);
  });

  it('Unauthorized: a missing or wrong token', async () => {
    expect((await c.k.run(['--token', 'wrong', 'get', 'ns'])).stderr).toBe('error: You must be logged in to the server (Unauthorized)\n');
    const api = await c.api('GET', '/api/v1/namespaces', undefined, { authorization: '' });
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body)).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Unauthorized', code: 401 });
  });

  it('RequestEntityTooLarge: a body over 3 MiB is a 413', async () => {
    const f = c.file('big.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  blob: "${'x'.repeat(3 * 1024 * 1024 + 100)}"\n`);
    const r = await c.k.run(['create', '-f', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`Error from server (RequestEntityTooLarge): error when creating "${f}": Request entity too large: limit is 3145728\n`);
    expect((await c.k.run(['get', 'cm', 'big'])).code).toBe(1);
  });

  it('malformed JSON, YAML and protobuf are a 400 and the server keeps serving', async () => {
    const f = c.file('broken.json', '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"');
    const r = await c.k.run(['create', '--raw', '/api/v1/namespaces/default/configmaps', '-f', f]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error from server \(BadRequest\): couldn't get version\/kind; json parse error: /);
    const y = await c.api('POST', '/api/v1/namespaces/default/configmaps', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [oops\n', { 'content-type': 'application/yaml' });
    expect(y.status).toBe(400);
    expect(JSON.parse(y.body)).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: expect.stringMatching(/^error converting YAML to JSON: /) });
    const pb = await c.api('POST', '/api/v1/namespaces/default/configmaps', Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x0a, 0xff, 0xff]), { 'content-type': 'application/vnd.kubernetes.protobuf' });
    expect(pb.status).toBe(400);
    const notObject = await c.api('POST', '/api/v1/namespaces/default/configmaps', '[1,2,3]');
    expect(notObject.status).toBe(400);
    const patch = await c.api('PATCH', '/api/v1/namespaces/default/configmaps/dup', '{"data":', { 'content-type': 'application/merge-patch+json' });
    expect(patch.status).toBe(400);
    const media = await c.api('PATCH', '/api/v1/namespaces/default/configmaps/dup', '{}', { 'content-type': 'text/plain' });
    expect(media.status).toBe(415);
    expect(JSON.parse(media.body)).toMatchObject({ reason: 'UnsupportedMediaType' });
    // Still serving, and nothing half-written.
    expect(await c.k.ok(['get', '--raw', '/healthz'])).toBe('ok');
    expect(await c.k.ok(['get', 'cm', 'dup', '-o', 'name'])).toBe('configmap/dup\n');
    expect((await c.k.run(['get', 'cm', 'x'])).code).toBe(1);
  });

  it('an unknown resource or group is a 404 kubectl explains', async () => {
    const r = await c.k.run(['get', 'widgets']);
    expect(r.stderr).toContain('error: the server doesn\'t have a resource type "widgets"');
    const api = await c.api('GET', '/apis/example.com/v1/widgets');
    expect(api.status).toBe(404);
  });
});
