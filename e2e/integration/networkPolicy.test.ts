import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainPrefix } from '../../src/orchestrator/agent/hostnet/names.js';
import { startCompatCluster, type CompatCluster } from '../compat/cluster.js';
import { eventually } from '../support/kubectl.js';

/*
 * NetworkPolicy on one real node: this machine's Docker engine and kernel (iptables, conntrack,
 * br_netfilter for pods on the same bridge), a control plane in this process, the real kubectl.
 * "Only the API may talk to the database": a deny-all policy, then an allow from app=api to the
 * database pod; wget from the api pod succeeds, from another pod it fails; the policy gone, it
 * works again. The agent reads policies, their AddressGroups (peers resolved by the control plane)
 * and its own pods with its node credential, which cannot list other pods (the Node authorizer's
 * rules are exercised too).
 */

let c: CompatCluster;
let dbIP = '';

const pod = (name: string, labels: string, cmd: string, ports = '') => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, labels: {${labels}}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: local/busybox:1
    imagePullPolicy: IfNotPresent
    command: ["sh", "-c", ${JSON.stringify(cmd)}]
${ports}`;

const exec = (name: string, script: string) => c.k.ok(['exec', name, '--', 'sh', '-c', script], { timeoutMs: 30_000 });
/**
 * `ok` when the pod fetched the database's page, `fail` when it could not within 3 s (busybox's
 * `wget -T` segfaults in this image, so `timeout` bounds it).
 */
const fetchDb = async (from: string) => ((await exec(from, `timeout 3 wget -qO- http://${dbIP}:8080/ 2>/dev/null; true`)).trim() === 'db' ? 'ok' : 'fail');

beforeAll(async () => {
  c = await startCompatCluster('netpol');
  await c.k.ok(['apply', '-f', c.file('pods.yaml', [
    pod('db', 'app: db', 'mkdir -p /www; echo db > /www/index.html; exec httpd -f -p 8080 -h /www', '    ports: [{name: http, containerPort: 8080}]\n'),
    pod('api', 'app: api', 'exec sleep 3600'),
    pod('other', 'app: other', 'exec sleep 3600'),
  ].join('---\n'))]);
  for (const p of ['db', 'api', 'other']) await c.phase(p);
  dbIP = await c.k.ok(['get', 'pod', 'db', '-o', 'jsonpath={.status.podIP}']);
});

afterAll(async () => {
  await c?.stop();
});

describe('NetworkPolicy on one node', () => {
  it('is served with validation: a bad ipBlock is refused with its field path', async () => {
    const bad = c.file('bad.yaml', `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: bad}
spec:
  podSelector: {}
  ingress:
  - from: [{ipBlock: {cidr: 10.0.0.0/8, except: [192.168.0.0/16]}}]
    ports: [{port: http, endPort: 90}]
`);
    const err = await c.k.run(['apply', '-f', bad]);
    expect(err.code).not.toBe(0);
    expect(err.stderr).toContain('spec.ingress[0].from[0].ipBlock.except[0]');
    expect(err.stderr).toContain('spec.ingress[0].ports[0].endPort');
    // Defaults as upstream: policyTypes from the rules present, port protocol TCP.
    await c.k.ok(['apply', '-f', c.file('d.yaml', 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: defaults, namespace: kube-public}\nspec:\n  podSelector: {}\n  egress: [{ports: [{port: 53}]}]\n')]);
    expect(await c.k.ok(['get', 'netpol', '-n', 'kube-public', 'defaults', '-o', 'jsonpath={.spec.policyTypes} {.spec.egress[0].ports[0].protocol}'])).toBe('["Ingress","Egress"] TCP');
  });

  it('allows everything before any policy selects the database', async () => {
    expect(await eventually('api reaches db', async () => ((await fetchDb('api')) === 'ok' ? 'ok' : undefined), 30_000)).toBe('ok');
    expect(await fetchDb('other')).toBe('ok');
  });

  it('deny-all, then allow from app=api: the api pod gets through, another pod does not', async () => {
    await c.k.ok(['apply', '-f', c.file('np.yaml', `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny}
spec:
  podSelector: {}
  policyTypes: [Ingress]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-api}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: api}}}]
    ports: [{port: http}]
`)]);
    await eventually('other is cut off from db', async () => ((await fetchDb('other')) === 'fail' ? true : undefined), 60_000);
    expect(await fetchDb('api')).toBe('ok');
    expect(await fetchDb('other')).toBe('fail');
    // The node's own traffic to its pods (probes) is never filtered.
    expect(execFileSync('wget', ['-qO-', '-T', '3', `http://${dbIP}:8080/`]).toString().trim()).toBe('db');
    const rules = execFileSync('iptables-save', ['-t', 'filter']).toString();
    const prefix = chainPrefix(c.nodeName);
    expect(rules).toContain(`-A ${prefix}-FWD -m comment --comment "skiff network policies" -j ${prefix}-NP`);
    // Docker accepts traffic within a bridge ahead of FORWARD's other rules: DOCKER-USER comes first.
    expect(rules).toMatch(new RegExp(`-A DOCKER-USER -m comment --comment "skiff node ${c.nodeName}" -j ${prefix}-DU`));
    expect(rules).toMatch(new RegExp(`-A ${prefix}-NP-I-\\S+ -m comment --comment "default/db ingress not allowed by any NetworkPolicy" -j DROP`));
  });

  it('follows a peer\'s labels through its AddressGroup: relabelled app=api a pod gets through, relabelled back it does not', async () => {
    const otherIP = await c.k.ok(['get', 'pod', 'other', '-o', 'jsonpath={.status.podIP}']);
    await c.k.ok(['label', 'pod', 'other', 'app=api', '--overwrite']);
    await eventually('other reaches db as app=api', async () => ((await fetchDb('other')) === 'ok' ? true : undefined), 60_000);
    // The node learnt it from the policy's AddressGroup (its credential cannot list pods).
    const group = await c.k.ok(['get', 'addressgroups.networking.skiff.dev', 'db-from-api', '-o', 'jsonpath={.peers[0].addresses[*].ip}']);
    expect(group.split(' ')).toContain(otherIP);
    await c.k.ok(['label', 'pod', 'other', 'app=other', '--overwrite']);
    await eventually('other is cut off again', async () => ((await fetchDb('other')) === 'fail' ? true : undefined), 60_000);
    expect(await fetchDb('api')).toBe('ok');
    // Nobody but the control plane writes a group, not even the cluster admin.
    const edit = await c.k.run(['label', 'addressgroups.networking.skiff.dev', 'db-from-api', 'x=y']);
    expect(edit.code).not.toBe(0);
    expect(edit.stderr).toContain("written only by Skiff's network policy controller");
  });

  it('a peer on another node: its IP reaches this node\'s rules through the group, though this node cannot read that pod', async () => {
    // A Node with no agent and a pod bound to it, given a status by the admin (as its kubelet would).
    await c.k.ok(['apply', '-f', c.file('remote.yaml', `apiVersion: v1
kind: Node
metadata: {name: netpol-remote}
---
apiVersion: v1
kind: Pod
metadata: {name: remote-api, labels: {app: api}}
spec:
  nodeName: netpol-remote
  containers: [{name: c, image: local/busybox:1}]
`)]);
    const remoteIP = '10.42.250.7';
    const status = await c.api('PATCH', '/api/v1/namespaces/default/pods/remote-api/status', JSON.stringify({ status: { phase: 'Running', podIP: remoteIP, podIPs: [{ ip: remoteIP }] } }), { 'content-type': 'application/merge-patch+json' });
    expect(status.status).toBe(200);
    const allowRule = new RegExp(`-A ${chainPrefix(c.nodeName)}-NP-I-\\S+ -s ${remoteIP.replace(/\./g, '\\.')}/32 .*--comment "default/db-from-api ingress"`);
    await eventually('the remote peer is allowed into db', async () => (allowRule.test(execFileSync('iptables-save', ['-t', 'filter']).toString()) ? true : undefined), 60_000);
    await c.k.ok(['delete', 'pod', 'remote-api', '--grace-period=0', '--force']);
    await eventually('the remote peer is gone from the rules', async () => (allowRule.test(execFileSync('iptables-save', ['-t', 'filter']).toString()) ? undefined : true), 60_000);
    await c.k.ok(['delete', 'node', 'netpol-remote']);
  });

  it('egress: a pod isolated for egress reaches only what its policy allows', async () => {
    const egress = (file: string, to: string, ports = '') => c.k.ok(['apply', '-f', c.file(file, `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api-egress}
spec:
  podSelector: {matchLabels: {app: api}}
  policyTypes: [Egress]
  egress:
  - to: [{podSelector: {matchLabels: {app: ${to}}}}]
${ports}`)]);
    await egress('egress.yaml', 'nothing');
    await eventually('api is cut off by its egress policy', async () => ((await fetchDb('api')) === 'fail' ? true : undefined), 60_000);
    // To the database's named port: resolved on the peer pod, as its AddressGroup publishes it.
    await egress('egress-db.yaml', 'db', '    ports: [{port: http}]\n');
    await eventually('api reaches db:http by its egress policy', async () => ((await fetchDb('api')) === 'ok' ? true : undefined), 60_000);
    expect(await c.k.ok(['get', 'addressgroups.networking.skiff.dev', 'api-egress', '-o', 'jsonpath={.peers[0].addresses[0].ports[0].port}'])).toBe('8080');
    await egress('egress.yaml', 'nothing');
    await eventually('api is cut off again', async () => ((await fetchDb('api')) === 'fail' ? true : undefined), 60_000);
    await c.k.ok(['delete', 'netpol', 'api-egress']);
    await eventually('api reaches db again', async () => ((await fetchDb('api')) === 'ok' ? true : undefined), 60_000);
  });

  it('removes the rules with the policies: everyone reaches the database again', async () => {
    await c.k.ok(['delete', 'netpol', 'default-deny', 'db-from-api']);
    await eventually('other reaches db again', async () => ((await fetchDb('other')) === 'ok' ? true : undefined), 60_000);
    expect(execFileSync('iptables-save', ['-t', 'filter']).toString()).not.toContain(`${chainPrefix(c.nodeName)}-NP-I-`);
  });
});
