import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/kubectl.js';
import { startCompatCluster, type CompatCluster } from './cluster.js';

// What kubectl shows of pods that use volumes, config, init containers and probes.
let c: CompatCluster;

beforeAll(async () => {
  c = await startCompatCluster('compat-pods');
});

afterAll(async () => {
  await c?.stop();
});

/** `kubectl get pod NAME` as printed: NAME READY STATUS RESTARTS AGE, split on blanks. */
async function row(pod: string): Promise<string[]> {
  const out = await c.k.ok(['get', 'pod', pod, '--no-headers']);
  return out.trim().split(/\s+/);
}

describe('kubectl and pods with init containers, volumes, config and probes', () => {
  it('get pods shows Init:0/1 while the init container runs, then the app Running', async () => {
    await c.k.ok([
      'apply',
      '-f',
      c.file(
        'init.yaml',
        `apiVersion: v1
kind: Pod
metadata: {name: gated}
spec:
  terminationGracePeriodSeconds: 0
  volumes: [{name: work, emptyDir: {}}]
  initContainers:
  - name: wait
    image: local/busybox:1
    command: ["sh", "-c", "until [ -f /work/go ]; do sleep 1; done; echo ready > /work/msg"]
    volumeMounts: [{name: work, mountPath: /work}]
  containers:
  - name: main
    image: local/busybox:1
    command: ["sh", "-c", "cat /work/msg; trap 'exit 0' TERM; while true; do sleep 1; done"]
    volumeMounts: [{name: work, mountPath: /work}]
`,
      ),
    ]);
    await eventually('Init:0/1', async () => (await row('gated'))[2] === 'Init:0/1', 90_000);
    expect((await row('gated'))[1]).toBe('0/1');
    await c.k.ok(['exec', 'gated', '-c', 'wait', '--', 'touch', '/work/go']);
    await eventually('Running 1/1', async () => {
      const r = await row('gated');
      return r[1] === '1/1' && r[2] === 'Running';
    }, 90_000);
    expect((await c.k.ok(['logs', 'gated'])).trim()).toBe('ready');
    const describe = await c.k.ok(['describe', 'pod', 'gated']);
    expect(describe).toMatch(/Init Containers:\n\s+wait:/);
    expect(describe).toMatch(/State:\s+Terminated\n\s+Reason:\s+Completed/);
    expect(describe).toMatch(/work:\n\s+Type:\s+EmptyDir/);
    // The API mounted the service account's token, as on any cluster.
    expect(describe).toMatch(/\/var\/run\/secrets\/kubernetes\.io\/serviceaccount from kube-api-access-\w{5} \(ro\)/);
  });

  it('prints the API`s warnings for fields Skiff does not act on', async () => {
    const r = await c.k.run([
      'apply',
      '-f',
      c.file(
        'resize.yaml',
        `apiVersion: v1
kind: Pod
metadata: {name: resize}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: local/busybox:1
    command: ["sleep", "3600"]
    resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}]
`,
      ),
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('Warning: spec.containers[0].resizePolicy: resources are not resized in place by Skiff (a changed pod is recreated)');
    await eventually('the event', async () => (await c.k.ok(['get', 'events', '--field-selector', 'involvedObject.name=resize,reason=FieldNotSupported', '-o', 'name'])).trim() !== '', 60_000);
  });

  it('a pod exported with its status starts Pending; with scheduling gates it shows SchedulingGated until the last gate goes', async () => {
    await c.k.ok([
      'create',
      '-f',
      c.file(
        'held.yaml',
        `apiVersion: v1
kind: Pod
metadata: {name: held}
spec:
  terminationGracePeriodSeconds: 0
  schedulingGates: [{name: example.com/quota}]
  containers:
  - name: main
    image: local/busybox:1
    command: ["sleep", "3600"]
status:
  phase: Running
  podIP: 10.99.0.7
`,
      ),
    ]);
    expect(await row('held')).toEqual(['held', '0/1', 'SchedulingGated', '0', expect.any(String)]);
    // The phase and IP it was exported with are not stored, and no node is chosen.
    expect(await c.k.ok(['get', 'pod', 'held', '-o', 'jsonpath={.status.phase}|{.status.podIP}|{.spec.nodeName}'])).toBe('Pending||');
    await c.k.ok(['patch', 'pod', 'held', '--type=json', '-p', '[{"op":"remove","path":"/spec/schedulingGates"}]']);
    await c.phase('held');
    expect((await row('held'))[2]).toBe('Running');
  });

  it('a LimitRange gives pods default resources and refuses what exceeds it; get and describe show it', async () => {
    await c.k.ok(['create', 'namespace', 'limited']);
    await c.k.ok([
      'apply',
      '-n',
      'limited',
      '-f',
      c.file(
        'limits.yaml',
        `apiVersion: v1
kind: LimitRange
metadata: {name: defaults}
spec:
  limits:
  - type: Container
    default: {cpu: 500m, memory: 128Mi}
    defaultRequest: {cpu: 100m, memory: 64Mi}
    max: {cpu: "1"}
`,
      ),
    ]);
    expect((await c.k.ok(['get', 'limits', '-n', 'limited', '--no-headers'])).trim()).toMatch(/^defaults\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const described = await c.k.ok(['describe', 'limitrange', 'defaults', '-n', 'limited']);
    expect(described).toMatch(/Container\s+cpu\s+-\s+1\s+100m\s+500m\s+-/);
    await c.k.ok(['run', 'sized', '-n', 'limited', '--image=local/busybox:1', '--image-pull-policy=IfNotPresent', '--', 'sleep', '3600']);
    expect(await c.k.ok(['get', 'pod', 'sized', '-n', 'limited', '-o', 'jsonpath={.spec.containers[0].resources.requests.cpu} {.spec.containers[0].resources.limits.memory} {.status.qosClass}'])).toBe('100m 128Mi Burstable');
    const r = await c.k.run(['run', 'greedy', '-n', 'limited', '--image=local/busybox:1', '--overrides', JSON.stringify({ spec: { containers: [{ name: 'greedy', image: 'local/busybox:1', resources: { limits: { cpu: '2' } } }] } })]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Error from server (Forbidden): pods "greedy" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
    await c.k.ok(['delete', 'namespace', 'limited', '--wait=false']);
  });

  it('a ResourceQuota refuses the pod over its limit; get, describe quota and describe namespace show the usage', async () => {
    await c.k.ok(['create', 'namespace', 'quoted']);
    await c.k.ok(['create', 'quota', 'small', '-n', 'quoted', '--hard=pods=2,limits.memory=1Gi']);
    const run = (name: string, memory = '256Mi') =>
      c.k.run(['run', name, '-n', 'quoted', '--image=local/busybox:1', '--image-pull-policy=IfNotPresent', '--overrides', JSON.stringify({ spec: { terminationGracePeriodSeconds: 0, containers: [{ name, image: 'local/busybox:1', command: ['sleep', '3600'], resources: { limits: { memory } } }] } })]);
    const bare = await c.k.run(['run', 'bare', '-n', 'quoted', '--image=local/busybox:1']);
    expect(bare.stderr).toContain('Error from server (Forbidden): pods "bare" is forbidden: failed quota: small: must specify limits.memory for: bare');
    expect((await run('one')).code).toBe(0);
    expect((await run('two')).code).toBe(0);
    const third = await run('three');
    expect(third.code).not.toBe(0);
    expect(third.stderr).toContain('Error from server (Forbidden): pods "three" is forbidden: exceeded quota: small, requested: pods=1, used: pods=2, limited: pods=2');
    expect((await c.k.ok(['get', 'quota', 'small', '-n', 'quoted', '--no-headers'])).trim()).toMatch(/^small\s+\S+\s+pods: 2\/2\s+limits\.memory: 512Mi\/1Gi$/);
    expect(await c.k.ok(['describe', 'quota', 'small', '-n', 'quoted'])).toMatch(/limits\.memory\s+512Mi\s+1Gi\n\s*pods\s+2\s+2/);
    expect(await c.k.ok(['describe', 'namespace', 'quoted'])).toMatch(/Resource Quotas\s+Name:\s+small\s+Resource\s+Used\s+Hard/);
    // A pod that goes gives its share back.
    await c.k.ok(['delete', 'pod', 'one', '-n', 'quoted', '--wait=true']);
    await eventually('usage back to 1 pod', async () => /pods: 1\/2/.test(await c.k.ok(['get', 'quota', 'small', '-n', 'quoted', '--no-headers'])), 60_000);
    await c.k.ok(['delete', 'namespace', 'quoted', '--wait=false']);
  });

  it('shows CreateContainerConfigError for a missing ConfigMap, and the pod starts once it exists', async () => {
    await c.k.ok(['run', 'needs-config', '--image=local/busybox:1', '--image-pull-policy=IfNotPresent', '--overrides', JSON.stringify({ spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'needs-config', image: 'local/busybox:1', command: ['sh', '-c', 'echo mode=$MODE; sleep 3600'], envFrom: [{ configMapRef: { name: 'app' } }] }] } })]);
    await eventually('CreateContainerConfigError', async () => (await row('needs-config'))[2] === 'CreateContainerConfigError', 90_000);
    const describe = await c.k.ok(['describe', 'pod', 'needs-config']);
    expect(describe).toMatch(/Error: configmap "app" not found/);
    await c.k.ok(['create', 'configmap', 'app', '--from-literal=MODE=blue']);
    await c.phase('needs-config');
    await eventually('the env in the logs', async () => (await c.k.ok(['logs', 'needs-config'])).trim() === 'mode=blue', 60_000);
  });

  it('the mounted service account token works with kubectl --token', async () => {
    await c.phase('gated');
    const token = await c.k.ok(['exec', 'gated', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/token']);
    expect(await c.k.ok(['exec', 'gated', '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace'])).toBe('default');
    const who = await c.k.ok(['auth', 'whoami', '--token', token, '-o', 'jsonpath={.status.userInfo.username}']);
    expect(who).toBe('system:serviceaccount:default:default');
  });

  it('READY follows a readiness probe (0/1 until it passes)', async () => {
    await c.k.ok([
      'apply',
      '-f',
      c.file(
        'ready.yaml',
        `apiVersion: v1
kind: Pod
metadata: {name: probed}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: local/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
    readinessProbe:
      exec: {command: ["cat", "/tmp/ready"]}
      periodSeconds: 1
      timeoutSeconds: 10
`,
      ),
    ]);
    await c.phase('probed');
    expect((await row('probed'))[1]).toBe('0/1');
    await c.k.ok(['exec', 'probed', '--', 'touch', '/tmp/ready']);
    await eventually('1/1', async () => (await row('probed'))[1] === '1/1', 60_000);
    expect(await c.k.ok(['describe', 'pod', 'probed'])).toMatch(/Readiness:\s+exec \[cat \/tmp\/ready\] delay=0s timeout=10s period=1s #success=1 #failure=3/);
  });

  it('kubectl debug adds an ephemeral container in the target container`s process namespace, which exec reaches; --copy-to runs a copy', async () => {
    await c.k.ok([
      'apply',
      '-f',
      c.file(
        'debugged.yaml',
        `apiVersion: v1
kind: Pod
metadata: {name: debugged}
spec:
  terminationGracePeriodSeconds: 0
  containers:
  - name: main
    image: local/busybox:1
    command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
`,
      ),
    ]);
    await c.phase('debugged');
    // Without -i nothing attaches: the container runs `ps` and ends; its log is what it saw.
    await c.k.ok(['debug', 'debugged', '--image=local/busybox:1', '--target=main', '--container=look', '--profile=general', '--', 'ps']);
    const state = (name: string) => c.k.ok(['get', 'pod', 'debugged', '-o', `jsonpath={.status.ephemeralContainerStatuses[?(@.name=="${name}")].state}`]);
    await eventually('the debug container finished', async () => (await state('look')).includes('"terminated"'), 90_000);
    // PID 1 is the target's own process: the debug container shares its process namespace.
    expect(await c.k.ok(['logs', 'debugged', '-c', 'look'])).toMatch(/^\s*1 .*while true; do sleep 1; done/m);
    // A second one stays up: exec reaches it; it is never restarted and never ready.
    await c.k.ok(['debug', 'debugged', '--image=local/busybox:1', '--container=shell', '--profile=general', '--', 'sleep', '300']);
    await eventually('the second debug container runs', async () => (await state('shell')).includes('"running"'), 90_000);
    expect((await c.k.ok(['exec', 'debugged', '-c', 'shell', '--', 'echo', 'in-debug'])).trim()).toBe('in-debug');
    const describe = await c.k.ok(['describe', 'pod', 'debugged']);
    expect(describe).toMatch(/Ephemeral Containers:\n\s+look:/);
    expect(describe).toMatch(/shell:\n(?:.*\n)*?\s+State:\s+Running/);
    expect((await row('debugged'))[1]).toBe('1/1');
    // --copy-to makes a new pod with the debug container added (the original is left alone).
    await c.k.ok(['debug', 'debugged', '--image=local/busybox:1', '--copy-to=debugged-copy', '--container=extra', '--profile=general', '--', 'sleep', '300']);
    await c.phase('debugged-copy');
    expect(await c.k.ok(['get', 'pod', 'debugged-copy', '-o', 'jsonpath={.spec.containers[*].name}'])).toBe('main extra');
  });
});
