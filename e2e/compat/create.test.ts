import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/kubectl.js';
import { addressAt, contains, formatIPv4, parseCidr } from '../../src/orchestrator/util/cidr.js';
import { runningPods, startCompatCluster, type CompatCluster } from './cluster.js';

// kubectl create <kind> (typed clients: their bodies are protobuf) and kubectl expose; Services get
// a cluster IP from the cluster's service range (10.96.0.0/12 by default; each test cluster leases
// its own) that never changes afterwards.
let c: CompatCluster;

beforeAll(async () => {
  c = await startCompatCluster('compat-create');
});

afterAll(async () => {
  await c?.stop();
});

const json = async <T>(args: string[]) => JSON.parse(await c.k.ok([...args, '-o', 'json'])) as T;

describe('kubectl create <kind>', () => {
  it('namespace', async () => {
    expect(await c.k.ok(['create', 'namespace', 'apps'])).toBe('namespace/apps created\n');
    const ns = await json<{ status: { phase: string }; metadata: { labels: Record<string, string> } }>(['get', 'ns', 'apps']);
    expect(ns.status.phase).toBe('Active');
    expect(ns.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'apps' });
  });

  it('configmap from literals and files', async () => {
    const f = c.file('app.properties', 'color=blue\n');
    expect(await c.k.ok(['create', 'configmap', 'conf', '-n', 'apps', '--from-literal=mode=fast', `--from-file=${f}`])).toBe('configmap/conf created\n');
    const cm = await json<{ data: Record<string, string> }>(['get', 'cm', 'conf', '-n', 'apps']);
    expect(cm.data).toEqual({ mode: 'fast', 'app.properties': 'color=blue\n' });
  });

  it('secret generic and docker-registry (data base64, type kept)', async () => {
    expect(await c.k.ok(['create', 'secret', 'generic', 'creds', '-n', 'apps', '--from-literal=password=s3cr3t'])).toBe('secret/creds created\n');
    const s = await json<{ type: string; data: Record<string, string> }>(['get', 'secret', 'creds', '-n', 'apps']);
    expect(s.type).toBe('Opaque');
    expect(Buffer.from(s.data.password as string, 'base64').toString()).toBe('s3cr3t');
    await c.k.ok(['create', 'secret', 'docker-registry', 'reg', '-n', 'apps', '--docker-server=r.example', '--docker-username=u', '--docker-password=p']);
    expect(await c.k.ok(['get', 'secret', 'reg', '-n', 'apps', '-o', 'jsonpath={.type}'])).toBe('kubernetes.io/dockerconfigjson');
    expect(await c.k.ok(['get', 'secrets', '-n', 'apps'])).toMatch(/^creds\s+Opaque\s+1\s+\d+s$/m);
  });

  it('serviceaccount', async () => {
    expect(await c.k.ok(['create', 'serviceaccount', 'robot', '-n', 'apps'])).toBe('serviceaccount/robot created\n');
    expect(await c.k.ok(['get', 'sa', 'robot', '-n', 'apps'])).toMatch(/^robot\s+0\s+\d+s$/m);
  });

  it('deployment with image, replicas, port and command', async () => {
    expect(await c.k.ok(['create', 'deployment', 'hello', '-n', 'apps', '--image=local/busybox:1', '--replicas=2', '--port=8080', '--', 'sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"])).toBe('deployment.apps/hello created\n');
    const d = await json<{ spec: { replicas: number; selector: unknown; template: { spec: { containers: { name: string; image: string; ports: unknown[]; command: string[] }[] } } } }>(['get', 'deploy', 'hello', '-n', 'apps']);
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'hello' } });
    expect(d.spec.template.spec.containers[0]).toMatchObject({ name: 'busybox', image: 'local/busybox:1', ports: [{ containerPort: 8080, protocol: 'TCP' }], command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"] });
    await eventually('2 running pods', async () => (await runningPods(c.k, 'app=hello', 'apps')).length === 2, 90_000);
    // --replicas=0 must survive the protobuf encoding (a zero that is not "unset").
    await c.k.ok(['create', 'deployment', 'zero', '-n', 'apps', '--image=local/busybox:1', '--replicas=0']);
    expect(await c.k.ok(['get', 'deploy', 'zero', '-n', 'apps', '-o', 'jsonpath={.spec.replicas}'])).toBe('0');
  });

  it('--dry-run=server validates without storing; --dry-run=client -o yaml prints', async () => {
    expect(await c.k.ok(['create', 'configmap', 'dry', '-n', 'apps', '--from-literal=a=b', '--dry-run=server'])).toBe('configmap/dry created (server dry run)\n');
    expect((await c.k.run(['get', 'cm', 'dry', '-n', 'apps'])).code).toBe(1);
    const y = await c.k.ok(['create', 'deployment', 'y', '--image=x', '--dry-run=client', '-o', 'yaml']);
    expect(y).toContain('kind: Deployment');
  });
});

describe('kubectl expose and cluster IPs', () => {
  it('expose deployment creates a ClusterIP Service selecting its pods', async () => {
    expect(await c.k.ok(['expose', 'deployment', 'hello', '-n', 'apps', '--port=80', '--target-port=8080'])).toBe('service/hello exposed\n');
    const svc = await json<{ spec: { clusterIP: string; clusterIPs: string[]; type: string; selector: Record<string, string>; ports: unknown[] } }>(['get', 'svc', 'hello', '-n', 'apps']);
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.selector).toEqual({ app: 'hello' });
    expect(svc.spec.ports).toEqual([{ port: 80, protocol: 'TCP', targetPort: 8080 }]);
    expect(contains(parseCidr(c.network.serviceCIDR), svc.spec.clusterIP), `${svc.spec.clusterIP} in ${c.network.serviceCIDR}`).toBe(true);
    expect(svc.spec.clusterIPs).toEqual([svc.spec.clusterIP]);
    expect(await c.k.ok(['get', 'svc', 'hello', '-n', 'apps', '-o', 'wide'])).toMatch(new RegExp(`^hello\\s+ClusterIP\\s+${svc.spec.clusterIP.replace(/\./g, '\\.')}\\s+<none>\\s+80/TCP\\s+\\S+\\s+app=hello$`, 'm'));
    await eventually('endpoints for both pods', async () => (await c.k.ok(['get', 'endpoints', 'hello', '-n', 'apps', '-o', 'jsonpath={.subsets[0].addresses[*].ip}'])).split(' ').length === 2, 60_000);
  });

  it('every Service gets its own address; headless and ExternalName get none; NodePort gets a port', async () => {
    await c.k.ok(['create', 'service', 'clusterip', 'svc-a', '-n', 'apps', '--tcp=80:80']);
    await c.k.ok(['create', 'service', 'clusterip', 'svc-b', '-n', 'apps', '--tcp=80:80']);
    await c.k.ok(['create', 'service', 'clusterip', 'headless', '-n', 'apps', '--clusterip=None', '--tcp=80:80']);
    await c.k.ok(['create', 'service', 'externalname', 'ext', '-n', 'apps', '--external-name=example.com']);
    await c.k.ok(['create', 'service', 'nodeport', 'np', '-n', 'apps', '--tcp=80:8080']);
    const ip = (n: string) => c.k.ok(['get', 'svc', n, '-n', 'apps', '-o', 'jsonpath={.spec.clusterIP}']);
    const [ia, ib] = [await ip('svc-a'), await ip('svc-b')];
    expect(contains(parseCidr(c.network.serviceCIDR), ia), `${ia} in ${c.network.serviceCIDR}`).toBe(true);
    expect(ib).not.toBe(ia);
    expect(await ip('headless')).toBe('None');
    expect(await ip('ext')).toBe('');
    expect(await c.k.ok(['get', 'svc', 'np', '-n', 'apps', '-o', 'jsonpath={.spec.ports[0].nodePort}'])).toMatch(/^3\d{4}$/);
    expect(await c.k.ok(['get', 'svc', 'ext', '-n', 'apps'])).toMatch(/^ext\s+ExternalName\s+<none>\s+example\.com\s+<none>\s+/m);
  });

  it('a cluster IP is immutable, and an address in use cannot be taken', async () => {
    const other = formatIPv4(addressAt(parseCidr(c.network.serviceCIDR), 7 * 256 + 7));
    const r = await c.k.run(['patch', 'svc', 'svc-a', '-n', 'apps', '-p', JSON.stringify({ spec: { clusterIP: other, clusterIPs: [other] } })]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/The Service "svc-a" is invalid: .*spec\.clusterIPs?\[?0?\]?: Invalid value: .*field is immutable/);
    const taken = await c.k.ok(['get', 'svc', 'svc-a', '-n', 'apps', '-o', 'jsonpath={.spec.clusterIP}']);
    const dup = c.file('dup.yaml', `apiVersion: v1\nkind: Service\nmetadata: {name: dup, namespace: apps}\nspec:\n  clusterIP: ${taken}\n  ports: [{port: 80}]\n`);
    const d = await c.k.run(['apply', '-f', dup]);
    expect(d.code).toBe(1);
    expect(d.stderr).toContain(`failed to allocate IP ${taken}: provided IP is already allocated`);
    // A re-apply of an exposed Service without clusterIP keeps the allocated address.
    const keep = c.file('keep.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: kept, namespace: apps}\nspec:\n  ports: [{port: 80}]\n');
    await c.k.ok(['apply', '-f', keep]);
    const before = await ip2('kept');
    await c.k.ok(['apply', '-f', c.file('keep.yaml', 'apiVersion: v1\nkind: Service\nmetadata: {name: kept, namespace: apps, labels: {v: "2"}}\nspec:\n  ports: [{port: 80}]\n')]);
    expect(await ip2('kept')).toBe(before);
  });

  // Typed clients send protobuf, where Go structs embedded inline (an IngressRule's rule value, a
  // Volume's source, a Probe's handler, a key selector's name) are fields of their own.
  it('ingress with rules, a named port and TLS', async () => {
    expect(await c.k.ok(['create', 'ingress', 'web', '-n', 'apps', '--class=default', '--rule=foo.com/=svc-a:80', '--rule=bar.com/api*=svc-a:http,tls=certs'])).toBe('ingress.networking.k8s.io/web created\n');
    const spec = await c.k.ok(['get', 'ingress', 'web', '-n', 'apps', '-o', 'jsonpath={.spec}']);
    expect(JSON.parse(spec)).toEqual({
      ingressClassName: 'default',
      rules: [
        { host: 'foo.com', http: { paths: [{ path: '/', pathType: 'Exact', backend: { service: { name: 'svc-a', port: { number: 80 } } } }] } },
        { host: 'bar.com', http: { paths: [{ path: '/api', pathType: 'Prefix', backend: { service: { name: 'svc-a', port: { name: 'http' } } } }] } },
      ],
      tls: [{ hosts: ['bar.com'], secretName: 'certs' }],
    });
  });

  it('job --from a CronJob whose template has a volume, an env key reference and a probe', async () => {
    await c.k.ok(['apply', '-f', c.file('cj.yaml', `apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: apps}
spec:
  schedule: "0 3 * * *"
  suspend: true
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          volumes: [{name: conf, configMap: {name: conf}}]
          containers:
          - name: c
            image: local/busybox:1
            command: [sleep, "1"]
            env: [{name: MODE, valueFrom: {configMapKeyRef: {name: conf, key: mode}}}]
            volumeMounts: [{name: conf, mountPath: /conf}]
            readinessProbe: {exec: {command: ["true"]}}
`)]);
    expect(await c.k.ok(['create', 'job', 'nightly-now', '-n', 'apps', '--from=cronjob/nightly'])).toBe('job.batch/nightly-now created\n');
    const spec = JSON.parse(await c.k.ok(['get', 'job', 'nightly-now', '-n', 'apps', '-o', 'jsonpath={.spec.template.spec}'])) as { volumes: unknown; containers: { env: unknown; readinessProbe: { exec: unknown } }[] };
    expect(spec.volumes).toEqual([{ name: 'conf', configMap: { name: 'conf', defaultMode: 420 } }]);
    expect(spec.containers[0]?.env).toEqual([{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'conf', key: 'mode' } } }]);
    expect(spec.containers[0]?.readinessProbe.exec).toEqual({ command: ['true'] });
  });
});

function ip2(name: string): Promise<string> {
  return c.k.ok(['get', 'svc', name, '-n', 'apps', '-o', 'jsonpath={.spec.clusterIP}']);
}
