import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCompatCluster, type CompatCluster } from './cluster.js';
import { eventually } from '../support/kubectl.js';

// RBAC, impersonation and the Node authorizer with the real kubectl (and the official Python client).
let c: CompatCluster;
let sa: string;
let nodeToken: string;

const asNode = (path: string) => c.api('GET', path, undefined, { authorization: `Bearer ${nodeToken}` });

beforeAll(async () => {
  c = await startCompatCluster('compat-rbac');
  await c.k.ok(['create', 'namespace', 'team']);
  await c.k.ok(['create', 'serviceaccount', 'viewer', '-n', 'team']);
  sa = (await c.k.ok(['create', 'token', 'viewer', '-n', 'team'])).trim();
  nodeToken = Buffer.from((await c.k.ok(['get', 'secret', `skiff-node-${c.nodeName}`, '-n', 'kube-system', '-o', 'jsonpath={.data.token}'])), 'base64').toString();
});

afterAll(async () => {
  await c?.stop();
});

describe('RBAC with kubectl', () => {
  it('a service account token can do nothing, then lists pods in one namespace after a RoleBinding', async () => {
    const before = await c.k.run(['--token', sa, 'get', 'pods', '-n', 'team']);
    expect(before.stderr).toBe('Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:team:viewer" cannot list resource "pods" in API group "" in the namespace "team"\n');
    expect(await c.k.ok(['create', 'role', 'pod-reader', '--verb=get,list,watch', '--resource=pods', '-n', 'team'])).toBe('role.rbac.authorization.k8s.io/pod-reader created\n');
    expect(await c.k.ok(['create', 'rolebinding', 'viewer-reads', '--role=pod-reader', '--serviceaccount=team:viewer', '-n', 'team'])).toBe('rolebinding.rbac.authorization.k8s.io/viewer-reads created\n');
    expect((await c.k.run(['--token', sa, 'get', 'pods', '-n', 'team'])).stderr).toBe('No resources found in team namespace.\n');
    const other = await c.k.run(['--token', sa, 'get', 'pods', '-n', 'default']);
    expect(other.stderr).toContain('cannot list resource "pods" in API group "" in the namespace "default"');
    expect((await c.k.run(['--token', sa, 'auth', 'can-i', 'list', 'pods', '-n', 'team'])).stdout).toBe('yes\n');
    expect((await c.k.run(['--token', sa, 'auth', 'can-i', 'delete', 'pods', '-n', 'team'])).stdout).toBe('no\n');
  });

  it('auth can-i --list shows the rules bound to the caller', async () => {
    const out = await c.k.ok(['--token', sa, 'auth', 'can-i', '--list', '-n', 'team']);
    expect(out).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/m);
    expect(out).toMatch(/^pods\s+\[\]\s+\[\]\s+\[get list watch\]$/m);
    expect(out).toMatch(/^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m);
    expect(out).toMatch(/^\s+\[\/api\/\*\]\s+\[\]\s+\[get\]$/m);
    const admin = await c.k.ok(['auth', 'can-i', '--list']);
    expect(admin).toMatch(/^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
  });

  it('api-resources lists the RBAC kinds and the access reviews', async () => {
    const out = await c.k.ok(['api-resources']);
    expect(out).toMatch(/^clusterrolebindings\s+rbac\.authorization\.k8s\.io\/v1\s+false\s+ClusterRoleBinding$/m);
    expect(out).toMatch(/^roles\s+rbac\.authorization\.k8s\.io\/v1\s+true\s+Role$/m);
    expect(out).toMatch(/^localsubjectaccessreviews\s+authorization\.k8s\.io\/v1\s+true\s+LocalSubjectAccessReview$/m);
    expect(out).toMatch(/^selfsubjectrulesreviews\s+authorization\.k8s\.io\/v1\s+false\s+SelfSubjectRulesReview$/m);
  });

  it('get clusterroles and rolebindings print kube-apiserver\'s tables', async () => {
    const roles = await c.k.ok(['get', 'clusterroles']);
    expect(roles).toMatch(/^NAME\s+CREATED AT$/m);
    for (const r of ['cluster-admin', 'admin', 'edit', 'view', 'system:basic-user', 'system:discovery', 'system:public-info-viewer', 'system:node']) {
      expect(roles).toMatch(new RegExp(`^${r}\\s+\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`, 'm'));
    }
    const rb = await c.k.ok(['get', 'rolebindings', '-n', 'team', '-o', 'wide']);
    expect(rb).toMatch(/^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS$/m);
    expect(rb).toMatch(/^viewer-reads\s+Role\/pod-reader\s+\S+\s+team:viewer$/m);
    expect(await c.k.ok(['get', 'clusterrolebinding', 'cluster-admin', '-o', 'jsonpath={.subjects[0].name}'])).toBe('system:masters');
    // The aggregation controller fills view from the roles labelled aggregate-to-view.
    await eventually('view aggregated', async () => (await c.k.ok(['get', 'clusterrole', 'view', '-o', 'jsonpath={.rules[*].resources}'])).includes('pods'));
  });

  it('create clusterrole and clusterrolebinding; a binding grants nothing its author lacks', async () => {
    expect(await c.k.ok(['create', 'clusterrole', 'node-reader', '--verb=get,list', '--resource=nodes'])).toBe('clusterrole.rbac.authorization.k8s.io/node-reader created\n');
    expect(await c.k.ok(['create', 'clusterrolebinding', 'viewer-nodes', '--clusterrole=node-reader', '--serviceaccount=team:viewer'])).toBe('clusterrolebinding.rbac.authorization.k8s.io/viewer-nodes created\n');
    expect(await c.k.ok(['--token', sa, 'get', 'nodes', '-o', 'name'])).toContain(`node/${c.nodeName}`);
    // The viewer may manage roles in team but holds only pod reads: it cannot grant secrets.
    await c.k.ok(['create', 'role', 'role-manager', '--verb=create,get,list', '--resource=roles,rolebindings', '-n', 'team']);
    await c.k.ok(['create', 'rolebinding', 'viewer-manages', '--role=role-manager', '--serviceaccount=team:viewer', '-n', 'team']);
    expect(await c.k.ok(['--token', sa, 'create', 'role', 'sub-reader', '--verb=get', '--resource=pods', '-n', 'team'])).toBe('role.rbac.authorization.k8s.io/sub-reader created\n');
    const esc = await c.k.run(['--token', sa, 'create', 'role', 'secret-reader', '--verb=get', '--resource=secrets', '-n', 'team']);
    expect(esc.code).toBe(1);
    expect(esc.stderr).toBe(
      'Error from server (Forbidden): roles.rbac.authorization.k8s.io "secret-reader" is forbidden: user "system:serviceaccount:team:viewer" (groups=["system:serviceaccounts" "system:serviceaccounts:team" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}\n',
    );
    const bind = await c.k.run(['--token', sa, 'create', 'rolebinding', 'grab', '--clusterrole=admin', '--serviceaccount=team:viewer', '-n', 'team']);
    expect(bind.stderr).toContain('rolebindings.rbac.authorization.k8s.io "grab" is forbidden: user "system:serviceaccount:team:viewer"');
  });

  it('--as and --as-group: allowed for the admin, refused for others', async () => {
    const who = await c.k.ok(['--as=bob', '--as-group=devs', 'auth', 'whoami']);
    expect(who).toMatch(/^Username\s+bob$/m);
    expect(who).toMatch(/^Groups\s+\[devs system:authenticated\]$/m);
    expect((await c.k.run(['--as=bob', 'get', 'pods', '-n', 'team'])).stderr).toBe('Error from server (Forbidden): pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "team"\n');
    expect((await c.k.run(['--as=system:serviceaccount:team:viewer', 'get', 'pods', '-n', 'team'])).stderr).toBe('No resources found in team namespace.\n');
    expect((await c.k.run(['--as=bob', 'auth', 'can-i', 'list', 'pods', '-n', 'team'])).stdout).toBe('no\n');
    const refused = await c.k.run(['--token', sa, '--as=bob', 'get', 'pods', '-n', 'team']);
    expect(refused.stderr).toBe('Error from server (Forbidden): users "bob" is forbidden: User "system:serviceaccount:team:viewer" cannot impersonate resource "users" in API group "" at the cluster scope\n');
  });

  it('SubjectAccessReview and LocalSubjectAccessReview answer for someone else', async () => {
    const sar = JSON.parse(
      (await c.api('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'system:serviceaccount:team:viewer', groups: ['system:serviceaccounts'], resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'team' } } }))).body,
    ) as { status: { allowed: boolean; reason?: string } };
    expect(sar.status).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "viewer-reads/team" of Role "pod-reader" to ServiceAccount "viewer/team"' });
    const lsar = await c.api('POST', '/apis/authorization.k8s.io/v1/namespaces/default/localsubjectaccessreviews', JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'LocalSubjectAccessReview', spec: { user: 'system:serviceaccount:team:viewer', resourceAttributes: { verb: 'list', resource: 'pods' } } }));
    expect(lsar.status).toBe(201);
    expect((JSON.parse(lsar.body) as { status: { allowed: boolean } }).status.allowed).toBe(false);
    expect((await c.api('POST', '/apis/authorization.k8s.io/v1/subjectaccessreviews', '{}', { authorization: `Bearer ${sa}` })).status).toBe(403);
  });
});

describe('Node authorizer with a real node credential', () => {
  beforeAll(async () => {
    await c.k.ok(['create', 'secret', 'generic', 'mine', '-n', 'team', '--from-literal=k=v']);
    await c.k.ok(['create', 'secret', 'generic', 'theirs', '-n', 'team', '--from-literal=k=v']);
    await c.k.ok(['create', 'secret', 'generic', 'skiff-host-lab', '-n', 'kube-system', '--from-literal=privateKey=x']);
    const pod = (name: string, node: string, secret: string) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'team' }, spec: { nodeName: node, containers: [{ name: 'c', image: 'local/busybox:1', command: ['sleep', '3600'] }], volumes: [{ name: 's', secret: { secretName: secret } }] } });
    await c.k.ok(['apply', '-f', c.file('node-other.json', JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'compat-rbac-other' } }))]);
    await c.k.ok(['apply', '-f', c.file('mine.json', pod('on-this-node', c.nodeName, 'mine'))]);
    await c.k.ok(['apply', '-f', c.file('theirs.json', pod('on-other-node', 'compat-rbac-other', 'theirs'))]);
  });

  it("reads its own pod's secret (200) but not another node's pod's secret (403)", async () => {
    expect((await asNode('/api/v1/namespaces/team/secrets/mine')).status).toBe(200);
    const theirs = await asNode('/api/v1/namespaces/team/secrets/theirs');
    expect(theirs.status).toBe(403);
    expect((JSON.parse(theirs.body) as { message: string }).message).toBe(
      `secrets "theirs" is forbidden: User "system:node:${c.nodeName}" cannot get resource "secrets" in API group "" in the namespace "team": no relationship found between node '${c.nodeName}' and this object`,
    );
    const viaKubectl = await c.k.run(['--token', nodeToken, 'get', 'secret', 'theirs', '-n', 'team']);
    expect(viaKubectl.stderr).toContain('Error from server (Forbidden): secrets "theirs" is forbidden');
    expect((await asNode('/api/v1/namespaces/team/secrets')).status).toBe(403);
  });

  it('never reads host SSH credentials or the service-account signing key', async () => {
    expect((await asNode('/api/v1/namespaces/kube-system/secrets/skiff-host-lab')).status).toBe(403);
    expect((await asNode('/api/v1/namespaces/kube-system/secrets/skiff-service-account-signing-key')).status).toBe(403);
    expect((await asNode(`/api/v1/namespaces/kube-system/secrets/skiff-node-${c.nodeName}`)).status).toBe(403);
    expect((await asNode('/api/v1/secrets')).status).toBe(403);
  });

  it('sees only its own pods, writes only its own pods and Node', async () => {
    expect((await asNode(`/api/v1/pods?fieldSelector=spec.nodeName%3D${c.nodeName}`)).status).toBe(200);
    // Not every pod of the cluster, nor one namespace's, nor another node's: NetworkPolicy peers
    // reach its enforcer as AddressGroups the control plane resolves (pod IPs only).
    expect((await asNode('/api/v1/pods')).status).toBe(403);
    expect((await asNode('/api/v1/pods?watch=true')).status).toBe(403);
    expect((await asNode('/api/v1/pods?fieldSelector=spec.nodeName%3Dcompat-rbac-other')).status).toBe(403);
    expect((await asNode('/api/v1/namespaces/team/pods')).status).toBe(403);
    expect((await asNode('/api/v1/namespaces')).status).toBe(403);
    // AddressGroups: only those whose span names this node (it runs a pod their policy applies to).
    expect((await asNode(`/apis/networking.skiff.dev/v1alpha1/addressgroups?fieldSelector=span%3D${c.nodeName}`)).status).toBe(200);
    expect((await asNode(`/apis/networking.skiff.dev/v1alpha1/addressgroups?watch=true&timeoutSeconds=1&fieldSelector=span%3D${c.nodeName}`)).status).toBe(200);
    expect((await asNode('/apis/networking.skiff.dev/v1alpha1/addressgroups')).status).toBe(403);
    expect((await asNode('/apis/networking.skiff.dev/v1alpha1/addressgroups?fieldSelector=span%3Dcompat-rbac-other')).status).toBe(403);
    expect((await asNode('/api/v1/namespaces/team/pods/on-this-node')).status).toBe(200);
    expect((await asNode('/api/v1/namespaces/team/pods/on-other-node')).status).toBe(403);
    const del = await c.api('DELETE', '/api/v1/namespaces/team/pods/on-other-node', undefined, { authorization: `Bearer ${nodeToken}` });
    expect(del.status).toBe(403);
    expect((JSON.parse(del.body) as { message: string }).message).toBe(`pods "on-other-node" is forbidden: node "${c.nodeName}" can only delete pods with spec.nodeName set to itself`);
    const status = await c.api('PATCH', '/api/v1/nodes/compat-rbac-other/status', JSON.stringify({ status: { phase: 'x' } }), { authorization: `Bearer ${nodeToken}`, 'content-type': 'application/merge-patch+json' });
    expect(status.status).toBe(403);
    expect((await c.k.run(['--token', nodeToken, 'auth', 'can-i', 'create', 'deployments'])).stdout).toBe('no\n');
    // Its agent keeps working under these rules: the pod bound to it runs.
    await c.phase('on-this-node', 'Running', 'team');
  });
});

describe('the official Python client (Debian python3-kubernetes)', () => {
  it('creates a Role and a RoleBinding', async () => {
    const script = `
import sys
from kubernetes import client, config
config.load_kube_config(config_file=sys.argv[1])
rbac = client.RbacAuthorizationV1Api()
rbac.create_namespaced_role('team', client.V1Role(metadata=client.V1ObjectMeta(name='py-role'), rules=[client.V1PolicyRule(api_groups=[''], resources=['configmaps'], verbs=['get', 'list'])]))
rbac.create_namespaced_role_binding('team', client.V1RoleBinding(metadata=client.V1ObjectMeta(name='py-binding'), role_ref=client.V1RoleRef(api_group='rbac.authorization.k8s.io', kind='Role', name='py-role'), subjects=[client.V1Subject(kind='ServiceAccount', name='viewer', namespace='team')]))
print(rbac.read_namespaced_role_binding('py-binding', 'team').role_ref.name)
print(len(rbac.list_cluster_role().items) > 10)
`;
    const out = await new Promise<string>((resolve, reject) =>
      // Debian's interpreter, where python3-kubernetes installs (a pyenv python3 earlier in PATH lacks it).
      execFile('/usr/bin/python3', ['-c', script, c.t.cp.kubeconfigPath], { timeout: 60_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`python3-kubernetes (apt-get install -y python3-kubernetes) failed: ${stderr || err.message}`));
        else resolve(stdout);
      }),
    );
    expect(out).toBe('py-role\nTrue\n');
    expect((await c.k.run(['--token', sa, 'auth', 'can-i', 'list', 'configmaps', '-n', 'team'])).stdout).toBe('yes\n');
  });
});
