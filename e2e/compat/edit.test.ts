import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/kubectl.js';
import { runningPods, startCompatCluster, tickDeployment, type CompatCluster } from './cluster.js';

// Imperative writes: create, replace, edit, patch (three types), label, annotate, set image.
let c: CompatCluster;
// A second tag of the test image, so `set image` rolls to an image the engine really has.
const TAG = `local/busybox:compat-edit-${process.pid}`;

beforeAll(async () => {
  c = await startCompatCluster('compat-edit');
  execFileSync('docker', ['tag', 'local/busybox:1', TAG]);
});

afterAll(async () => {
  await c?.stop();
  execFileSync('docker', ['rmi', TAG]);
});

const pod = (name: string, image = 'local/busybox:1') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels: {app: ${name}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: main
    image: ${image}
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
`;

describe('create and replace', () => {
  it('create -f makes objects and refuses to make them twice', async () => {
    const f = c.file('p.yaml', pod('p1'));
    expect(await c.k.ok(['create', '-f', f])).toBe('pod/p1 created\n');
    const again = await c.k.run(['create', '-f', f]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`Error from server (AlreadyExists): error when creating "${f}": pods "p1" already exists`);
    await c.phase('p1');
  });

  it('replace -f overwrites the object (PUT), --force deletes and recreates', async () => {
    await c.k.ok(['create', 'configmap', 'settings', '--from-literal=a=1', '--from-literal=b=2']);
    const f = c.file('settings.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: "10"}\n');
    expect(await c.k.ok(['replace', '-f', f])).toBe('configmap/settings replaced\n');
    expect(await c.k.ok(['get', 'cm', 'settings', '-o', 'jsonpath={.data}'])).toBe('{"a":"10"}');
    // A pod's image may change in place, its command may not.
    const immutable = await c.k.run(['replace', '-f', c.file('p1b.yaml', pod('p1').replace('sleep 1', 'sleep 2'))]);
    expect(immutable.code).toBe(1);
    expect(immutable.stderr).toMatch(/The Pod "p1" is invalid: spec: Forbidden: pod updates may not change fields other than/);
    const uid = await c.k.ok(['get', 'cm', 'settings', '-o', 'jsonpath={.metadata.uid}']);
    expect(await c.k.ok(['replace', '--force', '-f', f])).toBe('configmap "settings" deleted\nconfigmap/settings replaced\n');
    expect(await c.k.ok(['get', 'cm', 'settings', '-o', 'jsonpath={.metadata.uid}'])).not.toBe(uid);
  });
});

describe('edit', () => {
  it('runs $EDITOR on the object and sends what changed', async () => {
    await c.k.ok(['create', 'configmap', 'editme', '--from-literal=color=blue']);
    const editor = c.file('editor.sh', '#!/bin/sh\nexec sed -i -e "s/color: blue/color: green/" -e "s/^  name: editme$/  name: editme\\n  labels: {edited: \\"yes\\"}/" "$1"\n');
    chmodSync(editor, 0o755);
    expect(await c.k.ok(['edit', 'cm', 'editme'], { env: { EDITOR: editor, KUBE_EDITOR: editor } })).toBe('configmap/editme edited\n');
    expect(await c.k.ok(['get', 'cm', 'editme', '-o', 'jsonpath={.data.color} {.metadata.labels.edited}'])).toBe('green yes');
    const noop = c.file('noop.sh', '#!/bin/sh\ntrue\n');
    chmodSync(noop, 0o755);
    const r = await c.k.run(['edit', 'cm', 'editme'], { env: { EDITOR: noop, KUBE_EDITOR: noop } });
    expect(r.stderr).toContain('Edit cancelled, no changes made.');
  });

  it('an invalid edit is refused with the server\'s reason', async () => {
    const bad = c.file('bad.sh', '#!/bin/sh\nexec sed -i -e "s/^    app: p1$/    app: \\"not valid!\\"/" "$1"\n');
    chmodSync(bad, 0o755);
    const r = await c.k.run(['edit', 'pod', 'p1'], { env: { EDITOR: bad, KUBE_EDITOR: bad } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pods "p1" is invalid/);
  });
});

describe('patch', () => {
  it('strategic merge (default) merges lists by key', async () => {
    expect(await c.k.ok(['patch', 'pod', 'p1', '-p', '{"metadata":{"labels":{"stage":"one"}}}'])).toBe('pod/p1 patched\n');
    await c.k.ok(['apply', '-f', c.file('d.yaml', tickDeployment('pd', 1))]);
    await c.k.ok(['patch', 'deploy', 'pd', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"main","env":[{"name":"EXTRA","value":"x"}]}]}}}}']);
    const env = await c.k.ok(['get', 'deploy', 'pd', '-o', 'jsonpath={.spec.template.spec.containers[0].env[*].name}']);
    expect(env).toBe('MODE EXTRA');
    // Nothing changed: kubectl says so.
    expect(await c.k.ok(['patch', 'pod', 'p1', '-p', '{"metadata":{"labels":{"stage":"one"}}}'])).toBe('pod/p1 patched (no change)\n');
  });

  it('merge patch replaces lists and deletes with null', async () => {
    await c.k.ok(['patch', 'pod', 'p1', '--type=merge', '-p', '{"metadata":{"labels":{"stage":null,"kind":"merge"}}}']);
    expect(await c.k.ok(['get', 'pod', 'p1', '-o', 'jsonpath={.metadata.labels}'])).toBe('{"app":"p1","kind":"merge"}');
    await c.k.ok(['patch', 'deploy', 'pd', '--type=merge', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"main","image":"local/busybox:1","command":["sleep","100"]}]}}}}']);
    expect(await c.k.ok(['get', 'deploy', 'pd', '-o', 'jsonpath={.spec.template.spec.containers[0].env}'])).toBe('');
  });

  it('json patch applies operations, and a failed test is refused', async () => {
    await c.k.ok(['patch', 'deploy', 'pd', '--type=json', '-p', '[{"op":"replace","path":"/spec/replicas","value":2},{"op":"add","path":"/metadata/labels/json","value":"yes"}]']);
    expect(await c.k.ok(['get', 'deploy', 'pd', '-o', 'jsonpath={.spec.replicas} {.metadata.labels.json}'])).toBe('2 yes');
    const r = await c.k.run(['patch', 'deploy', 'pd', '--type=json', '-p', '[{"op":"test","path":"/spec/replicas","value":5}]']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error from server');
  });

  it('patch of a missing object is NotFound', async () => {
    const r = await c.k.run(['patch', 'cm', 'ghost', '-p', '{"data":{"a":"b"}}']);
    expect(r.stderr).toContain('Error from server (NotFound): configmaps "ghost" not found');
  });
});

describe('label, annotate, set image', () => {
  it('label adds, overwrites only with --overwrite, and removes with key-', async () => {
    expect(await c.k.ok(['label', 'pod', 'p1', 'team=blue'])).toBe('pod/p1 labeled\n');
    const clash = await c.k.run(['label', 'pod', 'p1', 'team=red']);
    expect(clash.stderr).toContain("error: 'team' already has a value (blue), and --overwrite is false");
    await c.k.ok(['label', 'pod', 'p1', 'team=red', '--overwrite']);
    expect(await c.k.ok(['get', 'pod', 'p1', '-L', 'team', '--no-headers'])).toMatch(/\sred\s*$/);
    expect(await c.k.ok(['label', 'pod', 'p1', 'team-'])).toBe('pod/p1 unlabeled\n');
    const bad = await c.k.run(['label', 'pod', 'p1', 'bad key=x']);
    expect(bad.code).not.toBe(0);
  });

  it('annotate sets and removes annotations', async () => {
    expect(await c.k.ok(['annotate', 'pod', 'p1', 'description=first pod'])).toBe('pod/p1 annotated\n');
    expect(await c.k.ok(['get', 'pod', 'p1', '-o', "jsonpath={.metadata.annotations.description}"])).toBe('first pod');
    await c.k.ok(['annotate', 'pod', 'p1', 'description-']);
    expect(await c.k.ok(['get', 'pod', 'p1', '-o', 'jsonpath={.metadata.annotations}'])).toBe('');
  });

  it('set image updates the template and rolls the pods to the new image', async () => {
    await c.k.ok(['patch', 'deploy', 'pd', '--type=merge', '-p', '{"spec":{"replicas":1}}']);
    expect(await c.k.ok(['set', 'image', 'deploy/pd', `main=${TAG}`])).toBe('deployment.apps/pd image updated\n');
    await c.k.ok(['rollout', 'status', 'deploy/pd', '--timeout=90s'], { timeoutMs: 100_000 });
    await eventually('a pod on the new image', async () => {
      const [name] = await runningPods(c.k, 'app=pd');
      return name && (await c.k.ok(['get', 'pod', name, '-o', 'jsonpath={.spec.containers[0].image}'])) === TAG;
    }, 60_000);
    // A pod's image changes in place too.
    expect(await c.k.ok(['set', 'image', 'pod/p1', `main=${TAG}`])).toBe('pod/p1 image updated\n');
  });
});
