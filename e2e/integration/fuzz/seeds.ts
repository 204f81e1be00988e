import type { ResourceType } from '../../../src/orchestrator/api/resources.js';

/** The namespace the fuzz run works in (created first; never deleted by a generated request). */
export const NS = 'fuzz';

const meta = (name: string, namespaced = true) => ({ name, ...(namespaced ? { namespace: NS } : {}), labels: { app: 'fz' }, annotations: { note: 'seed' } });
const podSpec = () => ({
  containers: [
    {
      name: 'c',
      image: 'local/busybox:1',
      command: ['sleep', '3600'],
      env: [{ name: 'A', value: 'b' }],
      ports: [{ containerPort: 8080, protocol: 'TCP' }],
      resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '32Mi' } },
      volumeMounts: [{ name: 'v', mountPath: '/v' }],
      readinessProbe: { exec: { command: ['true'] }, periodSeconds: 5 },
    },
  ],
  volumes: [{ name: 'v', emptyDir: {} }],
  // No node carries this label: fuzzed pods stay Pending and never reach a container engine.
  nodeSelector: { 'fuzz.skiff.dev/none': 'x' },
  terminationGracePeriodSeconds: 1,
});
const template = () => ({ metadata: { labels: { app: 'fz' } }, spec: podSpec() });
const selector = { matchLabels: { app: 'fz' } };

/**
 * A valid object of each kind the fuzz run writes, named `name`. Numbers that a controller acts on
 * (replicas, parallelism) are small: the run tests the API's answers, not a controller under load.
 * Hosts are left out: a Host makes the control plane dial SSH.
 */
export const SEEDS: Record<string, (name: string) => Record<string, unknown>> = {
  configmaps: (name) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(name), data: { a: 'b', 'k.y': 'v' }, binaryData: { bin: 'AAEC' } }),
  secrets: (name) => ({ apiVersion: 'v1', kind: 'Secret', metadata: meta(name), type: 'Opaque', data: { p: 'cGFzcw==' }, stringData: { s: 'x' } }),
  serviceaccounts: (name) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(name) }),
  pods: (name) => ({ apiVersion: 'v1', kind: 'Pod', metadata: meta(name), spec: podSpec() }),
  services: (name) => ({ apiVersion: 'v1', kind: 'Service', metadata: meta(name), spec: { selector: { app: 'fz' }, ports: [{ name: 'http', port: 80, targetPort: 8080 }] } }),
  endpoints: (name) => ({ apiVersion: 'v1', kind: 'Endpoints', metadata: meta(name), subsets: [{ addresses: [{ ip: '10.1.2.3' }], ports: [{ port: 80 }] }] }),
  events: (name) => ({ apiVersion: 'v1', kind: 'Event', metadata: meta(name), involvedObject: { kind: 'Pod', name: 'p', namespace: NS }, reason: 'Fuzz', message: 'm', type: 'Normal', count: 1 }),
  persistentvolumeclaims: (name) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta(name), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }),
  persistentvolumes: (name) => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: meta(name, false), spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/tmp/fz' } } }),
  deployments: (name) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(name), spec: { replicas: 0, selector, template: template(), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: '25%' } } } }),
  replicasets: (name) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: meta(name), spec: { replicas: 0, selector, template: template() } }),
  daemonsets: (name) => ({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta(name), spec: { selector, template: template() } }),
  statefulsets: (name) => ({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta(name), spec: { replicas: 0, serviceName: 's', selector, template: template() } }),
  jobs: (name) => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: meta(name), spec: { parallelism: 0, completions: 1, backoffLimit: 1, template: { ...template(), spec: { ...podSpec(), restartPolicy: 'Never' } } } }),
  ingresses: (name) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta(name),
    spec: { rules: [{ host: 'fz.example', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 's', port: { number: 80 } } } }] } }] },
  }),
  leases: (name) => ({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: meta(name), spec: { holderIdentity: 'h', leaseDurationSeconds: 10 } }),
  endpointslices: (name) => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta(name), addressType: 'IPv4', endpoints: [{ addresses: ['10.1.2.3'] }], ports: [{ port: 80 }] }),
  namespaces: (name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: meta(name, false) }),
};

/** The URL path of a resource's collection, or of one object in it. */
export function resourcePath(r: ResourceType, name?: string, namespace = NS): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced ? `/namespaces/${namespace}` : '';
  return `${base}${ns}/${r.resource}${name !== undefined ? `/${name}` : ''}`;
}
