import { describe, expect, it } from 'vitest';
import { resourceType } from './resources.js';
import { humanDuration, toTable, type Table } from './tables.js';
import type { KubeObject } from './types.js';

const NOW = Date.parse('2025-03-01T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

function obj(kind: string, name: string, rest: Record<string, unknown> = {}, meta: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind, metadata: { name, namespace: 'default', creationTimestamp: ago(300), ...meta }, ...rest };
}

/** Column name -> cell of the first row, as kubectl would print them (upper-cased headers). */
function printed(t: Table, row = 0): Record<string, unknown> {
  return Object.fromEntries(t.columnDefinitions.map((c, i) => [c.name.toUpperCase(), t.rows[row]?.cells[i]]));
}

function table(resource: string, objects: KubeObject[], wide = true): Table {
  return toTable(resourceType(resource), objects, { now: NOW, wide, includeObject: 'Metadata' });
}

describe('humanDuration', () => {
  it.each([
    [-3000, '<invalid>'],
    [-1000, '0s'],
    [5000, '5s'],
    [119_000, '119s'],
    [192_000, '3m12s'],
    [300_000, '5m'],
    [45 * 60_000, '45m'],
    [(5 * 60 + 2) * 60_000, '5h2m'],
    [20 * 3600_000, '20h'],
    [51 * 3600_000, '2d3h'],
    [30 * 86400_000, '30d'],
    [(365 * 2 + 15) * 86400_000, '2y15d'],
    [9 * 365 * 86400_000, '9y'],
  ])('%i ms is %s', (ms, s) => expect(humanDuration(ms)).toBe(s));
});

describe('toTable', () => {
  it('pods: columns, wide columns, metadata rows', () => {
    const pod = obj(
      'Pod',
      'web-1',
      {
        spec: { nodeName: 'n1', containers: [{ name: 'a' }, { name: 'b' }] },
        status: {
          phase: 'Running',
          podIPs: [{ ip: '10.1.0.4' }],
          containerStatuses: [
            { name: 'a', ready: true, restartCount: 2, state: { running: {} }, lastState: { terminated: { exitCode: 1, finishedAt: ago(125) } } },
            { name: 'b', ready: true, restartCount: 0, state: { running: {} }, lastState: {} },
          ],
        },
      },
      { labels: { app: 'web' } },
    );
    const t = table('pods', [pod]);
    expect(t.kind).toBe('Table');
    expect(t.apiVersion).toBe('meta.k8s.io/v1');
    expect(t.columnDefinitions.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0], ['Ready', 0], ['Status', 0], ['Restarts', 0], ['Age', 0], ['IP', 1], ['Node', 1], ['Nominated Node', 1], ['Readiness Gates', 1],
    ]);
    expect(t.rows[0]?.cells).toEqual(['web-1', '2/2', 'Running', '2 (2m5s ago)', '5m', '10.1.0.4', 'n1', '<none>', '<none>']);
    expect(t.rows[0]?.object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pod.metadata });
    const narrow = table('pods', [pod], false);
    expect(narrow.columnDefinitions).toHaveLength(5);
    expect(narrow.rows[0]?.cells).toHaveLength(5);
    expect(toTable(resourceType('pods'), [pod], { now: NOW, includeObject: 'None' }).rows[0]?.object).toBeUndefined();
    expect(toTable(resourceType('pods'), [pod], { now: NOW, includeObject: 'Object' }).rows[0]?.object).toBe(pod);
  });

  const podWith = (status: Record<string, unknown>, spec: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) =>
    obj('Pod', 'p', { spec: { containers: [{ name: 'a' }], ...spec }, status }, meta);

  it.each<[string, KubeObject, string, string]>([
    ['pending', podWith({ phase: 'Pending' }), 'Pending', '0/1'],
    ['waiting reason', podWith({ phase: 'Pending', containerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] }), 'ContainerCreating', '0/1'],
    ['crash loop', podWith({ phase: 'Running', containerStatuses: [{ name: 'a', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }), 'CrashLoopBackOff', '0/1'],
    ['completed', podWith({ phase: 'Succeeded', containerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }), 'Completed', '0/1'],
    ['exit code without reason', podWith({ phase: 'Failed', containerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 3 } } }] }), 'ExitCode:3', '0/1'],
    ['terminating', podWith({ phase: 'Running' }, {}, { deletionTimestamp: ago(1) }), 'Terminating', '0/1'],
    ['evicted', podWith({ phase: 'Failed', reason: 'Evicted' }), 'Evicted', '0/1'],
    ['scheduling gated', podWith({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] }), 'SchedulingGated', '0/1'],
    [
      'init container running',
      podWith({ phase: 'Pending', initContainerStatuses: [{ name: 'i', ready: false, restartCount: 0, state: { running: {} } }] }, { initContainers: [{ name: 'i' }] }),
      'Init:0/1',
      '0/1',
    ],
    [
      'init container failing',
      podWith({ phase: 'Pending', initContainerStatuses: [{ name: 'i', ready: false, restartCount: 1, state: { waiting: { reason: 'CrashLoopBackOff' } } }] }, { initContainers: [{ name: 'i' }] }),
      'Init:CrashLoopBackOff',
      '0/1',
    ],
    [
      'sidecar counted in READY',
      podWith(
        {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }],
          initContainerStatuses: [{ name: 'side', ready: true, started: true, restartCount: 0, state: { running: {} } }],
          containerStatuses: [{ name: 'a', ready: true, restartCount: 0, state: { running: {} } }],
        },
        { initContainers: [{ name: 'side', restartPolicy: 'Always' }] },
      ),
      'Running',
      '2/2',
    ],
  ])('pod STATUS %s', (_n, pod, status, ready) => {
    const row = printed(table('pods', [pod]));
    expect(row.STATUS).toBe(status);
    expect(row.READY).toBe(ready);
  });

  it('completed pods carry a row condition', () => {
    const t = table('pods', [podWith({ phase: 'Succeeded' })]);
    expect(t.rows[0]?.conditions).toEqual([{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  });

  it('deployments and replicasets', () => {
    const spec = {
      replicas: 3,
      selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe', 'be'] }] },
      template: { spec: { containers: [{ name: 'web', image: 'nginx:1' }, { name: 'log', image: 'busybox' }] } },
    };
    const d = obj('Deployment', 'web', { spec, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } });
    expect(printed(table('deployments', [d]))).toEqual({
      NAME: 'web', READY: '2/3', 'UP-TO-DATE': 3, AVAILABLE: 2, AGE: '5m', CONTAINERS: 'web,log', IMAGES: 'nginx:1,busybox', SELECTOR: 'app=web,tier in (be,fe)',
    });
    const rs = obj('ReplicaSet', 'web-abc', { spec, status: { replicas: 3, readyReplicas: 1 } });
    expect(table('replicasets', [rs]).rows[0]?.cells.slice(0, 5)).toEqual(['web-abc', 3, 3, 1, '5m']);
  });

  it('daemonsets, statefulsets, jobs', () => {
    const ds = obj('DaemonSet', 'agent', { spec: { template: { spec: { nodeSelector: { os: 'linux' }, containers: [] } } }, status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1 } });
    expect(table('daemonsets', [ds]).rows[0]?.cells.slice(0, 8)).toEqual(['agent', 2, 2, 1, 2, 1, 'os=linux', '5m']);
    const sts = obj('StatefulSet', 'db', { spec: { replicas: 3, template: { spec: { containers: [{ name: 'pg', image: 'postgres:16' }] } } }, status: { readyReplicas: 3 } });
    expect(table('statefulsets', [sts]).rows[0]?.cells).toEqual(['db', '3/3', '5m', 'pg', 'postgres:16']);
    const job = obj('Job', 'pi', {
      spec: { completions: 1, template: { spec: { containers: [] } } },
      status: { succeeded: 1, startTime: ago(100), completionTime: ago(40), conditions: [{ type: 'Complete', status: 'True' }] },
    });
    expect(printed(table('jobs', [job]))).toMatchObject({ NAME: 'pi', STATUS: 'Complete', COMPLETIONS: '1/1', DURATION: '60s' });
    const running = obj('Job', 'r', { spec: { parallelism: 2, template: { spec: { containers: [] } } }, status: { startTime: ago(10) } });
    expect(printed(table('jobs', [running]))).toMatchObject({ STATUS: 'Running', COMPLETIONS: '0/1 of 2', DURATION: '10s' });
  });

  it('services', () => {
    const mk = (spec: Record<string, unknown>, status = {}) => obj('Service', 'web', { spec, status });
    expect(printed(table('services', [mk({ type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP' }] })]))).toEqual({
      NAME: 'web', TYPE: 'ClusterIP', 'CLUSTER-IP': '10.96.0.10', 'EXTERNAL-IP': '<none>', 'PORT(S)': '80/TCP', AGE: '5m', SELECTOR: 'app=web',
    });
    expect(printed(table('services', [mk({ type: 'NodePort', clusterIP: '10.96.0.2', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] })]))['PORT(S)']).toBe('80:30080/TCP,53/UDP');
    expect(printed(table('services', [mk({ type: 'LoadBalancer', ports: [] })]))['EXTERNAL-IP']).toBe('<pending>');
    expect(printed(table('services', [mk({ type: 'LoadBalancer', ports: [] }, { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } })]))['EXTERNAL-IP']).toBe('192.0.2.1');
    expect(printed(table('services', [mk({ type: 'ExternalName', externalName: 'db.example.com' })]))).toMatchObject({ 'CLUSTER-IP': '<none>', 'EXTERNAL-IP': 'db.example.com', 'PORT(S)': '<none>', SELECTOR: '<none>' });
  });

  it('nodes', () => {
    const node: KubeObject = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1', creationTimestamp: ago(3 * 86400), labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/worker': '' } },
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [{ type: 'InternalIP', address: '10.0.0.2' }, { type: 'Hostname', address: 'n1' }],
        nodeInfo: { kubeletVersion: 'v1.32.0-skiff', osImage: 'Debian GNU/Linux 12', kernelVersion: '6.1.0', containerRuntimeVersion: 'docker://24.0.0' },
      },
    };
    expect(printed(table('nodes', [node]))).toEqual({
      NAME: 'n1', STATUS: 'Ready,SchedulingDisabled', ROLES: 'control-plane,worker', AGE: '3d', VERSION: 'v1.32.0-skiff',
      'INTERNAL-IP': '10.0.0.2', 'EXTERNAL-IP': '<none>', 'OS-IMAGE': 'Debian GNU/Linux 12', 'KERNEL-VERSION': '6.1.0', 'CONTAINER-RUNTIME': 'docker://24.0.0',
    });
    const notReady = { ...node, spec: {}, metadata: { name: 'n2' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } };
    expect(printed(table('nodes', [notReady]))).toMatchObject({ STATUS: 'NotReady', ROLES: '<none>', AGE: '<unknown>', 'OS-IMAGE': '<unknown>' });
  });

  it('events', () => {
    const ev = obj('Event', 'p.1', {
      involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{web}' },
      reason: 'Pulled', type: 'Normal', message: 'Successfully pulled image\n', source: { component: 'kubelet', host: 'n1' },
      firstTimestamp: ago(600), lastTimestamp: ago(30), count: 3,
    });
    expect(printed(table('events', [ev]))).toEqual({
      'LAST SEEN': '30s', TYPE: 'Normal', REASON: 'Pulled', OBJECT: 'pod/web-1', SUBOBJECT: 'spec.containers{web}', SOURCE: 'kubelet, n1',
      MESSAGE: 'Successfully pulled image', 'FIRST SEEN': '10m', COUNT: 3, NAME: 'p.1',
    });
    expect(table('events', [ev], false).columnDefinitions.map((c) => c.name)).toEqual(['Last Seen', 'Type', 'Reason', 'Object', 'Message']);
  });

  it('endpoints, slices, config, storage, ingress, lease, host', () => {
    const ep = obj('Endpoints', 'web', { subsets: [{ addresses: [{ ip: '10.1.0.1' }, { ip: '10.1.0.2' }], ports: [{ port: 80 }, { port: 443 }] }] });
    expect(printed(table('endpoints', [ep])).ENDPOINTS).toBe('10.1.0.1:80,10.1.0.2:80,10.1.0.1:443 + 1 more...');
    expect(printed(table('endpoints', [obj('Endpoints', 'e')])).ENDPOINTS).toBe('<none>');
    const es = obj('EndpointSlice', 'web-x', { addressType: 'IPv4', ports: [{ port: 80 }], endpoints: [{ addresses: ['10.1.0.1'] }] });
    expect(table('endpointslices', [es]).rows[0]?.cells).toEqual(['web-x', 'IPv4', '80', '10.1.0.1', '5m']);
    expect(table('configmaps', [obj('ConfigMap', 'c', { data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } })]).rows[0]?.cells).toEqual(['c', 3, '5m']);
    expect(table('secrets', [obj('Secret', 's', { type: 'Opaque', data: { a: 'YQ==' } })]).rows[0]?.cells).toEqual(['s', 'Opaque', 1, '5m']);
    expect(table('serviceaccounts', [obj('ServiceAccount', 'default')]).rows[0]?.cells).toEqual(['default', 0, '5m']);
    expect(table('namespaces', [obj('Namespace', 'team', { status: { phase: 'Active' } })]).rows[0]?.cells).toEqual(['team', 'Active', '5m']);
    const pvc = obj('PersistentVolumeClaim', 'data', { spec: { volumeName: 'pv1', storageClassName: 'local', volumeMode: 'Filesystem' }, status: { phase: 'Bound', capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce', 'ReadOnlyMany'] } });
    expect(table('persistentvolumeclaims', [pvc]).rows[0]?.cells).toEqual(['data', 'Bound', 'pv1', '1Gi', 'RWO,ROX', 'local', '<unset>', '5m', 'Filesystem']);
    const pv = obj('PersistentVolume', 'pv1', { spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'default', name: 'data' } }, status: { phase: 'Bound' } });
    expect(table('persistentvolumes', [pv]).rows[0]?.cells).toEqual(['pv1', '1Gi', 'RWO', 'Retain', 'Bound', 'default/data', '', '<unset>', '', '5m', '<unset>']);
    const ing = obj('Ingress', 'i', { spec: { ingressClassName: 'skiff', rules: [{ host: 'a.test' }, {}, { host: 'b.test' }, { host: 'c.test' }, { host: 'd.test' }], tls: [{}] } });
    expect(table('ingresses', [ing]).rows[0]?.cells).toEqual(['i', 'skiff', 'a.test,b.test,c.test + 2 more...', '', '80, 443', '5m']);
    expect(table('leases', [obj('Lease', 'n1', { spec: { holderIdentity: 'n1' } })]).rows[0]?.cells).toEqual(['n1', 'n1', '5m']);
    const host = obj('Host', 'h1', { spec: { address: '10.0.0.5', port: 2222, user: 'root', nodeName: 'worker-1' }, status: { phase: 'Ready' } });
    expect(printed(table('hosts', [host]))).toEqual({ NAME: 'h1', ADDRESS: '10.0.0.5:2222', PHASE: 'Ready', NODE: 'worker-1', AGE: '5m' });
    const ag = obj('AddressGroup', 'np', { peers: [{ podSelector: {}, addresses: [{ ip: '10.42.0.2' }, { ip: '10.42.0.3' }] }, { namespaceSelector: {}, addresses: [{ ip: '10.42.0.3' }, { ip: '10.42.1.4' }, { ip: '10.42.1.5' }] }] });
    expect(printed(table('addressgroups', [ag]))).toEqual({ NAME: 'np', PEERS: 2, ADDRESSES: '10.42.0.2,10.42.0.3,10.42.1.4 + 1 more...', AGE: '5m' });
    expect(printed(table('addressgroups', [obj('AddressGroup', 'empty')]))).toEqual({ NAME: 'empty', PEERS: 0, ADDRESSES: '<none>', AGE: '5m' });
  });

  it('every served kind has columns starting with a name column and rows of the same width', () => {
    for (const resource of ['pods', 'nodes', 'services', 'endpoints', 'events', 'namespaces', 'configmaps', 'secrets', 'serviceaccounts', 'persistentvolumeclaims', 'persistentvolumes', 'deployments', 'replicasets', 'daemonsets', 'statefulsets', 'jobs', 'ingresses', 'leases', 'endpointslices', 'hosts', 'addressgroups']) {
      const t = table(resource, [obj(resourceType(resource).kind, 'x')]);
      expect(t.columnDefinitions.some((c) => c.name === 'Name' && c.format === 'name'), resource).toBe(true);
      expect(t.rows[0]?.cells, resource).toHaveLength(t.columnDefinitions.length);
    }
  });
});
