import { describe, expect, it } from 'vitest';
import type { Deployment, Job, KubeObject, Pod, ReplicaSet } from '../../../orchestrator/api/types.js';
import { emptyCluster, type ClusterObjects } from '../../store/kinds.js';
import { builtinKinds } from '../../store/resourcesSlice.js';
import { byKey, endpoints, node, pod, service } from '../../testing/fixtures.js';
import { podSpecReferences, relatedObjects, selectsLabels } from './related.js';

const kinds = builtinKinds();
const titles = (obj: KubeObject, cluster: ClusterObjects) => relatedObjects(obj, kinds, cluster).map((g) => `${g.title}: ${g.links.map((l) => `${l.ref.kind}/${l.ref.namespace ? `${l.ref.namespace}/` : ''}${l.ref.name}${l.note ? ` (${l.note})` : ''}`).join(', ')}`);

const deploy: Deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', uid: 'd1' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'x' }], volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'data' } }] } } } } as Deployment;
const rs: ReplicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-1', namespace: 'default', uid: 'r1', annotations: { 'deployment.kubernetes.io/revision': '2' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: 'd1', controller: true }] }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: {}, spec: { containers: [] } } }, status: { replicas: 2, readyReplicas: 1 } } as ReplicaSet;
const p1: Pod = { ...pod('web-1-a', { labels: { app: 'web' }, nodeName: 'n1', phase: 'Running' }) };
p1.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'r1', controller: true }];
p1.spec.containers[0] = { name: 'main', image: 'x', envFrom: [{ configMapRef: { name: 'cfg' } }], env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'pw', key: 'k' } } }] } as Pod['spec']['containers'][0];
p1.spec.volumes = [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] as Pod['spec']['volumes'];

function cluster(): ClusterObjects {
  return { ...emptyCluster(), pods: byKey(p1, pod('other', { labels: { app: 'db' } })), replicasets: byKey(rs), deployments: byKey(deploy), services: byKey(service('web', { app: 'web' })), endpoints: byKey(endpoints('web', [{ ip: '10.1.0.5', pod: 'web-1-a' }])), nodes: byKey(node('n1')) };
}

describe('related objects', () => {
  it('deployment -> replica sets (with revision) -> pods; and what its template uses', () => {
    expect(titles(deploy, cluster())).toEqual(['Children: ReplicaSet/default/web-1 (1/2 ready · revision 2)', 'Pods: Pod/default/web-1-a (Running)', 'Uses: PersistentVolumeClaim/default/data']);
    expect(titles(rs, cluster())).toEqual(['Owners: Deployment/default/web (controller)', 'Children: Pod/default/web-1-a (Running)']);
  });

  it('cron job -> jobs (with their state) -> pods; and what its job template uses', () => {
    const owner = [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'tick', uid: 'c1', controller: true }];
    const done = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'tick-1', namespace: 'default', uid: 'j1', ownerReferences: owner }, spec: {}, status: { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] } } as unknown as Job;
    const running = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'tick-2', namespace: 'default', uid: 'j2', ownerReferences: owner }, spec: {}, status: { active: 1 } } as unknown as Job;
    const run = pod('tick-2-x', { phase: 'Running' });
    run.metadata.ownerReferences = [{ apiVersion: 'batch/v1', kind: 'Job', name: 'tick-2', uid: 'j2', controller: true }];
    const cron = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'tick', namespace: 'default', uid: 'c1' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'x', envFrom: [{ configMapRef: { name: 'cfg' } }] }] } } } } } } as KubeObject;
    const c = { ...cluster(), jobs: byKey(done, running), pods: byKey(run, pod('solo')) };
    expect(titles(cron, c)).toEqual(['Children: Job/default/tick-1 (Complete), Job/default/tick-2 (1 active · 0 succeeded)', 'Pods: Pod/default/tick-2-x (Running)', 'Uses: ConfigMap/default/cfg']);
    expect(titles(running, c)).toEqual(['Owners: CronJob/default/tick (controller)', 'Children: Pod/default/tick-2-x (Running)']);
  });

  it('pod -> owner, node, services selecting it, config, secrets and claims', () => {
    expect(titles(p1, cluster())).toEqual([
      'Owners: ReplicaSet/default/web-1 (controller)',
      'Runs on: Node/n1',
      'Selected by services: Service/default/web',
      'Uses: ConfigMap/default/cfg, Secret/default/pw, PersistentVolumeClaim/default/data',
    ]);
  });

  it('service -> endpoints and pods; endpoints -> service and pods', () => {
    const c = cluster();
    expect(titles(c.services['default/web'] as KubeObject, c)).toEqual(['Endpoints: Endpoints/default/web', 'Pods: Pod/default/web-1-a (Running)']);
    expect(titles(c.endpoints['default/web'] as KubeObject, c)).toEqual(['Service: Service/default/web', 'Pods: Pod/default/web-1-a (10.1.0.5)']);
  });

  it('claim <-> volume, config map -> pods, ingress -> services, node -> host', () => {
    const c = cluster();
    const pvc: KubeObject = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { volumeName: 'pv-1' } };
    expect(titles(pvc, c)).toEqual(['Volume: PersistentVolume/pv-1', 'Used by pods: Pod/default/web-1-a (Running)']);
    const pv: KubeObject = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-1' }, spec: { claimRef: { name: 'data', namespace: 'default' } } };
    expect(titles(pv, c)).toEqual(['Claim: PersistentVolumeClaim/default/data']);
    expect(titles({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'default' } }, c)).toEqual(['Used by pods: Pod/default/web-1-a (Running)']);
    const ing: KubeObject = { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'default' }, spec: { defaultBackend: { service: { name: 'web' } }, rules: [{ http: { paths: [{ backend: { service: { name: 'api' } } }] } }] } };
    expect(titles(ing, c)).toEqual(['Routes to: Service/default/api, Service/default/web']);
    const withHost = { ...c, hosts: { h1: { apiVersion: 'skiff.dev/v1alpha1', kind: 'Host', metadata: { name: 'h1' }, spec: { address: '1.2.3.4', user: 'root' }, status: { nodeName: 'n1' } } } } as unknown as ClusterObjects;
    expect(titles(c.nodes['n1'] as KubeObject, withHost)).toEqual(['Host: Host/h1', 'Pods: Pod/default/web-1-a (Running)']);
  });

  it('matches label selectors with expressions; an empty selector selects nothing', () => {
    expect(selectsLabels({ matchLabels: { a: '1' }, matchExpressions: [{ key: 'b', operator: 'In', values: ['x', 'y'] }, { key: 'c', operator: 'DoesNotExist' }] }, { a: '1', b: 'y' })).toBe(true);
    expect(selectsLabels({ matchExpressions: [{ key: 'b', operator: 'NotIn', values: ['y'] }] }, { b: 'y' })).toBe(false);
    expect(selectsLabels({}, { a: '1' })).toBe(false);
    expect(podSpecReferences({ imagePullSecrets: [{ name: 'reg' }], volumes: [{ projected: { sources: [{ configMap: { name: 'p' } }] } }] })).toEqual({ configMaps: ['p'], secrets: ['reg'], claims: [] });
  });
});
