import type { Deployment, Endpoints, KubeObject, Node, Pod, ReplicaSet, Service } from '../src/orchestrator/api/types.js';

/** A synthetic cluster for the UI benchmark: `apps` Deployments of `perApp` pods spread over `nodes` nodes, one Service each. */
export function syntheticCluster(o: { nodes: number; apps: number; perApp: number }): Record<string, KubeObject[]> {
  const nodes: Node[] = Array.from({ length: o.nodes }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `node-${String(i).padStart(3, '0')}`, uid: `n${i}`, resourceVersion: '1' },
    spec: {},
    status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: `10.0.${i >> 8}.${i & 255}` }], allocatable: { cpu: '8', memory: '32Gi', pods: '110' } },
  }));
  const deployments: Deployment[] = [];
  const replicasets: ReplicaSet[] = [];
  const pods: Pod[] = [];
  const services: Service[] = [];
  const endpoints: Endpoints[] = [];
  let n = 0;
  for (let a = 0; a < o.apps; a++) {
    const app = `app-${String(a).padStart(3, '0')}`;
    deployments.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: app, namespace: 'default', uid: `d${a}`, resourceVersion: '1' }, spec: { replicas: o.perApp, selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } } as Deployment);
    replicasets.push({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `${app}-rs`, namespace: 'default', uid: `r${a}`, resourceVersion: '1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: app, uid: `d${a}`, controller: true }] }, spec: { selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } } as ReplicaSet);
    const addresses: { ip: string; targetRef: { kind: string; name: string; namespace: string } }[] = [];
    for (let p = 0; p < o.perApp; p++, n++) {
      const name = `${app}-rs-${String(p).padStart(4, '0')}`;
      const ip = `10.88.${n >> 8}.${n & 255}`;
      const phase = n % 97 === 0 ? 'Pending' : 'Running';
      pods.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default', uid: `p${n}`, resourceVersion: '1', labels: { app }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${app}-rs`, uid: `r${a}`, controller: true }] },
        spec: { nodeName: nodes[n % o.nodes]?.metadata.name, containers: [{ name: 'c', image: 'i' }] },
        status: { phase, podIP: ip, conditions: [{ type: 'Ready', status: phase === 'Running' ? 'True' : 'False' }], containerStatuses: [{ name: 'c', ready: phase === 'Running', restartCount: 0, image: 'i', imageID: '', state: phase === 'Running' ? { running: { startedAt: '2026-01-01T00:00:00Z' } } : { waiting: { reason: 'ContainerCreating' } }, lastState: {} }] },
      } as Pod);
      if (phase === 'Running') addresses.push({ ip, targetRef: { kind: 'Pod', name, namespace: 'default' } });
    }
    services.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: app, namespace: 'default', uid: `s${a}`, resourceVersion: '1' }, spec: { selector: { app }, ports: [{ port: 80, protocol: 'TCP' }], clusterIP: `10.96.0.${a + 10}` } } as Service);
    endpoints.push({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: app, namespace: 'default', resourceVersion: '1' }, subsets: [{ addresses, ports: [{ port: 80 }] }] } as Endpoints);
  }
  return { nodes, pods, services, endpoints, deployments, replicasets, hosts: [], events: [] };
}
