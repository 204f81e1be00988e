// Authorization cost per request: the Node authorizer's graph and RBAC, on a cluster of 5,000 pods
// on 50 nodes (each pod with a secret, a config map and a service account) and 1,000 RoleBindings.
// Prints decisions per second and the p99 of one decision, and how long building the graph took.
import { Authorization, resourceAttributes } from '../src/orchestrator/apiserver/authz/index.js';
import { storeObjects } from '../src/orchestrator/apiserver/objects.js';
import { SqliteStore } from '../src/orchestrator/store/SqliteStore.js';

export async function benchAuthz(): Promise<void> {
  const store = new SqliteStore(':memory:');
  const G = 'rbac.authorization.k8s.io';
  for (let i = 0; i < 5000; i++) {
    const ns = `ns${i % 50}`;
    const pod = { metadata: { name: `p${i}`, namespace: ns }, spec: { nodeName: `node${i % 50}`, serviceAccountName: `sa${i}`, containers: [{ name: 'c', envFrom: [{ configMapRef: { name: `cm${i}` } }] }], volumes: [{ name: 's', secret: { secretName: `s${i}` } }] } };
    await store.create(`/registry/pods/${ns}/p${i}`, JSON.stringify(pod));
  }
  for (let i = 0; i < 1000; i++) {
    const ns = `ns${i % 50}`;
    await store.create(`/registry/roles/${ns}/r${i}`, JSON.stringify({ metadata: { name: `r${i}`, namespace: ns }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] }));
    await store.create(`/registry/rolebindings/${ns}/b${i}`, JSON.stringify({ metadata: { name: `b${i}`, namespace: ns }, roleRef: { apiGroup: G, kind: 'Role', name: `r${i}` }, subjects: [{ kind: 'User', apiGroup: G, name: `user${i}` }] }));
  }
  const t0 = performance.now();
  const authz = await Authorization.create(storeObjects(store));
  const buildMs = performance.now() - t0;
  const node = { user: 'system:node:node7', groups: ['system:nodes', 'system:authenticated'] };
  const cases = [
    resourceAttributes(node, 'get', { group: '', resource: 'secrets', namespace: 'ns7', name: 's4007' }),
    resourceAttributes(node, 'get', { group: '', resource: 'secrets', namespace: 'ns8', name: 's4008' }),
    resourceAttributes({ user: 'user999', groups: ['system:authenticated'] }, 'list', { group: '', resource: 'pods', namespace: 'ns49' }),
    resourceAttributes({ user: 'nobody', groups: ['system:authenticated'] }, 'list', { group: '', resource: 'pods', namespace: 'ns1' }),
  ];
  const samples: number[] = [];
  const N = 100_000;
  const start = performance.now();
  for (let i = 0; i < N; i++) {
    const a = performance.now();
    authz.authorize(cases[i % cases.length] as (typeof cases)[number]);
    samples.push(performance.now() - a);
  }
  const total = performance.now() - start;
  samples.sort((a, b) => a - b);
  console.log('\nauthorization (5,000 pods on 50 nodes, 1,000 RoleBindings)');
  console.log(`  graph + RBAC cache built in ${buildMs.toFixed(0)} ms`);
  console.log(`  ${Math.round((N / total) * 1000).toLocaleString('en')} decisions/s, p99 ${(samples[Math.floor(N * 0.99)] as number).toFixed(3)} ms`);
  authz.dispose();
  store.close();
}
