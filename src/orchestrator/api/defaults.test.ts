import { describe, expect, it } from 'vitest';
import { applyDefaults, applyUpdateDefaults } from './defaults.js';
import { defaultPullPolicy, qosClass } from './defaults/podSpec.js';
import { resourceType } from './resources.js';
import type { KubeObject } from './types.js';
import { validate } from './validation.js';

/** Reads a dotted path (`spec.containers.0.image`) of decoded JSON. */
function at(o: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((x, k) => (x !== null && typeof x === 'object' ? (x as Record<string, unknown>)[k] : undefined), o);
}

function defaulted(resource: string, obj: KubeObject): KubeObject {
  const r = resourceType(resource);
  const o = structuredClone(obj);
  applyDefaults(r, o);
  // Idempotent: a second pass changes nothing.
  const again = structuredClone(o);
  applyDefaults(r, again);
  expect(again).toEqual(o);
  // Defaults never make a valid object invalid.
  expect(validate(r, o, { strict: true })).toEqual([]);
  return o;
}

describe('applyDefaults', () => {
  it('pods get what kube-apiserver fills', () => {
    const p = defaulted('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default' },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx',
            ports: [{ containerPort: 80 }],
            resources: { limits: { cpu: '1', memory: '64Mi' } },
            readinessProbe: { httpGet: { port: 80 } },
            env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
          },
        ],
        volumes: [{ name: 'cfg', configMap: { name: 'c' } }],
      },
    });
    expect(at(p, 'spec')).toMatchObject({
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      terminationGracePeriodSeconds: 30,
      securityContext: {},
      enableServiceLinks: true,
      serviceAccountName: 'default',
      serviceAccount: 'default',
    });
    const c = at(p, 'spec.containers.0');
    expect(c).toMatchObject({ imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' });
    expect(at(c, 'ports.0.protocol')).toBe('TCP');
    expect(at(c, 'resources.requests')).toEqual({ cpu: '1', memory: '64Mi' });
    expect(at(c, 'readinessProbe')).toEqual({ httpGet: { port: 80, path: '/', scheme: 'HTTP' }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    expect(at(c, 'env.0.valueFrom.fieldRef.apiVersion')).toBe('v1');
    expect(at(p, 'spec.volumes.0.configMap.defaultMode')).toBe(420);
    expect(at(p, 'status')).toEqual({ phase: 'Pending', qosClass: 'Guaranteed' });
  });

  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.27', 'IfNotPresent'],
    ['registry:5000/team/app', 'Always'],
    ['registry:5000/team/app:v2', 'IfNotPresent'],
    ['app@sha256:abc', 'IfNotPresent'],
  ])('pull policy for %s is %s', (image, policy) => {
    expect(defaultPullPolicy(image)).toBe(policy);
  });

  it('qos classes', () => {
    expect(qosClass({ containers: [{ name: 'a' }] })).toBe('BestEffort');
    expect(qosClass({ containers: [{ resources: { requests: { cpu: '100m' } } }] })).toBe('Burstable');
    expect(qosClass({ containers: [{ resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1Gi' } } }] })).toBe('Guaranteed');
  });

  it('deployments: replicas, strategy, history, deadline and template defaults', () => {
    const d = defaulted('deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1' }] } } },
    });
    expect(at(d, 'spec')).toMatchObject({ replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } });
    expect(at(d, 'spec.template.spec')).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30 });
    expect(at(d, 'spec.template.spec.containers.0.imagePullPolicy')).toBe('IfNotPresent');
    // Admission-only pod defaults stay off templates.
    expect(at(d, 'spec.template.spec.serviceAccountName')).toBeUndefined();
    expect(at(d, 'status')).toEqual({});
  });

  it('a Recreate deployment gets no rollingUpdate', () => {
    const r = resourceType('deployments');
    const d: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w' }, spec: { strategy: { type: 'Recreate' } } };
    applyDefaults(r, d);
    expect(at(d, 'spec.strategy')).toEqual({ type: 'Recreate' });
  });

  it('daemonsets, statefulsets and jobs', () => {
    const tmpl = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'x', image: 'x:1' }] } };
    const ds = defaulted('daemonsets', { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'x', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'x' } }, template: tmpl } });
    expect(at(ds, 'spec.updateStrategy')).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    const sts = defaulted('statefulsets', { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'x', namespace: 'default' }, spec: { serviceName: 'x', selector: { matchLabels: { app: 'x' } }, template: tmpl } });
    expect(at(sts, 'spec')).toMatchObject({ replicas: 1, podManagementPolicy: 'OrderedReady', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' } });
    const jobTmpl = { spec: { restartPolicy: 'Never', containers: [{ name: 'x', image: 'x:1' }] } };
    const job = defaulted('jobs', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', namespace: 'default', uid: 'u-1' }, spec: { template: jobTmpl } });
    expect(at(job, 'spec')).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false });
    expect(at(job, 'spec.selector')).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': 'u-1' } });
    expect(at(job, 'spec.template.metadata.labels')).toMatchObject({ 'job-name': 'pi', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'u-1' });
    const par = defaulted('jobs', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'p2', namespace: 'default' }, spec: { parallelism: 3, template: jobTmpl } });
    expect(at(par, 'spec.completions')).toBeUndefined();
  });

  it('services: type, affinity, protocol, targetPort', () => {
    const s = defaulted('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
    expect(at(s, 'spec')).toEqual({ type: 'ClusterIP', sessionAffinity: 'None', internalTrafficPolicy: 'Cluster', selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] });
    const np = defaulted('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'np', namespace: 'default' }, spec: { type: 'NodePort', ports: [{ port: 80, targetPort: 'http' }] } });
    expect(at(np, 'spec.externalTrafficPolicy')).toBe('Cluster');
    expect(at(np, 'spec.ports.0.targetPort')).toBe('http');
  });

  it('secrets: Opaque, stringData folded into data', () => {
    const s = defaulted('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { a: 'YQ==' }, stringData: { b: 'héllo' } });
    expect(at(s, 'type')).toBe('Opaque');
    expect(at(s, 'stringData')).toBeUndefined();
    expect(at(s, 'data')).toEqual({ a: 'YQ==', b: Buffer.from('héllo').toString('base64') });
  });

  it('namespaces, claims and volumes', () => {
    const ns = defaulted('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    expect(ns).toMatchObject({ spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' }, metadata: { labels: { 'kubernetes.io/metadata.name': 'team' } } });
    const pvc = defaulted('persistentvolumeclaims', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    expect(pvc).toMatchObject({ spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
    const pv = defaulted('persistentvolumes', { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'v' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: '/data' } } });
    expect(pv).toMatchObject({ spec: { persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem', hostPath: { path: '/data' } }, status: { phase: 'Pending' } });
    const host = defaulted('hosts', { apiVersion: 'skiff.dev/v1alpha1', kind: 'Host', metadata: { name: 'h' }, spec: { address: '10.0.0.2', user: 'root', useAgent: true } });
    expect(at(host, 'spec.port')).toBe(22);
  });

  it('survives values of the wrong type (validation reports them)', () => {
    const r = resourceType('deployments');
    const d: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w' }, spec: { strategy: 'fast', template: { spec: { containers: 'x' } } } };
    expect(() => applyDefaults(r, d)).not.toThrow();
    expect(validate(r, d, { strict: true }).map((c) => c.field)).toContain('spec.strategy');
  });
});

describe('applyUpdateDefaults', () => {
  it('keeps allocated cluster IPs and node ports a PUT leaves out', () => {
    const r = resourceType('services');
    const old: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'NodePort', clusterIP: '10.96.0.9', clusterIPs: ['10.96.0.9'], ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }] } };
    const next: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } };
    applyUpdateDefaults(r, next, old);
    expect(at(next, 'spec')).toEqual({ type: 'NodePort', clusterIP: '10.96.0.9', clusterIPs: ['10.96.0.9'], ports: [{ port: 80, nodePort: 30080 }] });
  });
});
