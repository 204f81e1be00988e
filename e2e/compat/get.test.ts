import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/kubectl.js';
import { runningPods, startCompatCluster, tickDeployment, type CompatCluster } from './cluster.js';

// kubectl get and friends: discovery, version, output formats, selectors, watch.
let c: CompatCluster;

beforeAll(async () => {
  c = await startCompatCluster('compat-get');
  const k = c.k;
  await k.ok(['apply', '-f', c.file('web.yaml', tickDeployment('web', 2, { labels: 'tier: front' }))]);
  await k.ok(['create', 'namespace', 'other']);
  await k.ok(['create', 'configmap', 'alpha', '--from-literal=k=v', '-n', 'other']);
  await k.ok(['label', 'configmap', 'alpha', 'env=prod', 'tier=back', '-n', 'other']);
  await k.ok(['create', 'configmap', 'beta', '--from-literal=k=v']);
  await k.ok(['label', 'configmap', 'beta', 'env=dev']);
  await k.ok(['create', 'configmap', 'gamma', '--from-literal=k=v']);
  await eventually('2 running web pods', async () => (await runningPods(k, 'app=web')).length === 2, 90_000);
});

afterAll(async () => {
  await c?.stop();
});

describe('kubectl get', () => {
  it('version shows the server version', async () => {
    const out = await c.k.ok(['version']);
    expect(out).toMatch(/Client Version: v1\.\d+/);
    expect(out).toContain('Server Version: v1.32.0-skiff');
    const json = JSON.parse(await c.k.ok(['version', '-o', 'json'])) as { serverVersion: { major: string; minor: string } };
    expect(json.serverVersion).toMatchObject({ major: '1', minor: '32' });
  });

  it('cluster-info names the control plane URL', async () => {
    const out = await c.k.ok(['cluster-info']);
    expect(out).toContain(`Kubernetes control plane is running at ${c.t.cp.apiUrl}`);
  });

  it('api-resources lists every served kind with short names, groups and scope', async () => {
    const out = await c.k.ok(['api-resources']);
    expect(out).toMatch(/^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND/m);
    expect(out).toMatch(/^pods\s+po\s+v1\s+true\s+Pod$/m);
    expect(out).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    expect(out).toMatch(/^nodes\s+no\s+v1\s+false\s+Node$/m);
    expect(out).toMatch(/^selfsubjectreviews\s+authentication\.k8s\.io\/v1\s+false\s+SelfSubjectReview$/m);
    const names = await c.k.ok(['api-resources', '--namespaced=false', '-o', 'name']);
    expect(names.split('\n')).toContain('namespaces');
    expect(names.split('\n')).not.toContain('pods');
  });

  it('get all shows pods, services, deployments and replica sets', async () => {
    await c.k.ok(['expose', 'deployment', 'web', '--port=80']);
    const out = await c.k.ok(['get', 'all']);
    expect(out).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
    expect(out).toMatch(/^pod\/web-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+\d+s$/m);
    expect(out).toMatch(/^service\/web\s+ClusterIP\s+10\.\d+\.\d+\.\d+\s+<none>\s+80\/TCP/m);
    expect(out).toMatch(/^deployment\.apps\/web\s+2\/2\s+2\s+2\s+/m);
    expect(out).toMatch(/^replicaset\.apps\/web-[a-z0-9]+\s+2\s+2\s+2\s+/m);
  });

  it('-o wide adds the columns of priority > 0', async () => {
    const out = await c.k.ok(['get', 'pods', '-o', 'wide']);
    expect(out).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/m);
    expect(out).toContain(c.nodeName);
    const deploy = await c.k.ok(['get', 'deploy', '-o', 'wide']);
    expect(deploy).toMatch(/^NAME\s+READY\s+UP-TO-DATE\s+AVAILABLE\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR$/m);
    expect(deploy).toMatch(/web\s+2\/2.*main\s+local\/busybox:1\s+app=web/);
  });

  it('-o json, -o yaml and -o name print the objects', async () => {
    const list = JSON.parse(await c.k.ok(['get', 'deploy', '-o', 'json'])) as { kind: string; items: { metadata: { name: string; uid: string; resourceVersion: string } }[] };
    expect(list.kind).toBe('List');
    expect(list.items.map((i) => i.metadata.name)).toEqual(['web']);
    expect(list.items[0]?.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    const one = await c.k.ok(['get', 'deploy', 'web', '-o', 'yaml']);
    expect(one).toMatch(/^apiVersion: apps\/v1\nkind: Deployment\nmetadata:/);
    expect(one).toMatch(/resourceVersion: "\d+"/);
    expect(one).not.toContain('managedFields');
    // default/kubernetes is there as on every Kubernetes cluster.
    expect(await c.k.ok(['get', 'deploy,svc', '-o', 'name'])).toBe('deployment.apps/web\nservice/kubernetes\nservice/web\n');
  });

  it('-o jsonpath and custom-columns read fields', async () => {
    expect(await c.k.ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas} {.spec.template.spec.containers[0].image}'])).toBe('2 local/busybox:1');
    const cols = await c.k.ok(['get', 'pods', '-l', 'app=web', '-o', 'custom-columns=NAME:.metadata.name,NODE:.spec.nodeName', '--no-headers']);
    expect(cols.trim().split('\n')).toHaveLength(2);
    for (const l of cols.trim().split('\n')) expect(l).toMatch(new RegExp(`^web-\\S+\\s+${c.nodeName}$`));
  });

  it('-l takes equality and set-based selectors', async () => {
    const names = (args: string[]) => c.k.ok(['get', 'cm', ...args, '-o', 'jsonpath={range .items[*]}{.metadata.name}{" "}{end}']).then((s) => s.trim().split(' ').filter(Boolean).sort());
    expect(await names(['-A', '-l', 'env=prod'])).toEqual(['alpha']);
    expect(await names(['-A', '-l', 'env!=prod'])).toContain('gamma');
    expect(await names(['-A', '-l', 'env in (prod,dev)'])).toEqual(['alpha', 'beta']);
    expect(await names(['-A', '-l', 'env notin (prod),env'])).toEqual(['beta']);
    expect(await names(['-A', '-l', '!env'])).toContain('gamma');
    expect(await names(['-A', '-l', 'env,tier=back'])).toEqual(['alpha']);
  });

  it('--field-selector filters on fields', async () => {
    const pods = await c.k.ok(['get', 'pods', '--field-selector', `status.phase=Running,spec.nodeName=${c.nodeName}`, '-o', 'name']);
    expect(pods.trim().split('\n')).toHaveLength(2);
    expect(await c.k.ok(['get', 'cm', '-A', '--field-selector', 'metadata.name=alpha', '-o', 'name'])).toBe('configmap/alpha\n');
    expect(await c.k.ok(['get', 'cm', '-A', '--field-selector', 'metadata.namespace!=other,metadata.name=alpha', '-o', 'name'])).toBe('');
    const bad = await c.k.run(['get', 'pods', '--field-selector', 'nonsense']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('Error from server (BadRequest)');
  });

  it('-A shows every namespace with a NAMESPACE column; --show-labels adds LABELS', async () => {
    const out = await c.k.ok(['get', 'cm', '-A', '--show-labels']);
    expect(out).toMatch(/^NAMESPACE\s+NAME\s+DATA\s+AGE\s+LABELS$/m);
    expect(out).toMatch(/^other\s+alpha\s+1\s+\S+\s+env=prod,tier=back$/m);
    expect(out).toMatch(/^default\s+gamma\s+1\s+\S+\s+<none>$/m);
    const nodes = await c.k.ok(['get', 'nodes', '--show-labels']);
    expect(nodes).toContain(`kubernetes.io/hostname=${c.nodeName}`);
  });

  it('-w prints the list, then every change', async () => {
    const w = c.k.stream(['get', 'cm', '-w', '-l', 'watch=me']);
    await c.k.ok(['create', 'configmap', 'watched', '--from-literal=a=1']);
    await c.k.ok(['label', 'cm', 'watched', 'watch=me']);
    await eventually('the new object', () => w.output().includes('watched'), 20_000);
    await c.k.ok(['patch', 'cm', 'watched', '-p', '{"data":{"b":"2"}}']);
    await eventually('the change (DATA 2)', () => /watched\s+2\s/.test(w.output()), 20_000);
    w.stop();
    await w.exited;
    const pods = c.k.stream(['get', 'pods', '-l', 'app=web', '-w', '--output-watch-events']);
    await eventually('the initial ADDED rows', () => (pods.output().match(/^ADDED\s/gm) ?? []).length >= 2 && pods.output(), 20_000);
    await c.k.ok(['scale', 'deploy/web', '--replicas=3']);
    await eventually('a third pod', () => (pods.output().match(/^ADDED\s/gm) ?? []).length >= 3, 30_000);
    await eventually('it running', () => /^MODIFIED\s+web-\S+\s+1\/1\s+Running/m.test(pods.output()), 60_000);
    pods.stop();
    await pods.exited;
  });
});
