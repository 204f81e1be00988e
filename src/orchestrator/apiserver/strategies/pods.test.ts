import { describe, expect, it } from 'vitest';
import type { KubeObject, Pod } from '../../api/types.js';
import { podSpecWarnings } from '../../api/podSupport.js';
import { memoryCluster } from '../../testing/memoryCluster.js';
import { setWarnings } from '../verbs.js';
import type { ServerResponse } from 'node:http';

const pod = (name: string, spec: Record<string, unknown> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'main', image: 'x:1' }, { name: 'side', image: 'x:1' }], ...spec },
});

describe('pod admission: service accounts', () => {
  it('mounts a projected API token volume in every container, unless automount is off', async () => {
    const { client } = await memoryCluster();
    await client.create<KubeObject>('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' }, imagePullSecrets: [{ name: 'regcred' }] });
    const p = await client.create<Pod>('pods', pod('a', { initContainers: [{ name: 'init', image: 'x:1', volumeMounts: [{ name: 'own', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }], volumes: [{ name: 'own', emptyDir: {} }] }));
    const vol = (p.spec.volumes as { name: string; projected?: unknown }[]).find((v) => v.name.startsWith('kube-api-access-'))!;
    expect(vol.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(vol.projected).toEqual({
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    });
    for (const c of p.spec.containers) expect(c.volumeMounts).toEqual([{ name: vol.name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    // A container that mounts something there itself is left alone.
    expect(p.spec.initContainers![0]!.volumeMounts).toEqual([{ name: 'own', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }]);
    expect(p.spec.imagePullSecrets).toEqual([{ name: 'regcred' }]);

    const off = await client.create<Pod>('pods', pod('b', { automountServiceAccountToken: false }));
    expect(off.spec.volumes ?? []).toEqual([]);
    await client.create<KubeObject>('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'quiet', namespace: 'default' }, automountServiceAccountToken: false });
    const quiet = await client.create<Pod>('pods', pod('c', { serviceAccountName: 'quiet' }));
    expect(quiet.spec.volumes ?? []).toEqual([]);
    // The pod's own setting wins over its service account's.
    const loud = await client.create<Pod>('pods', pod('d', { serviceAccountName: 'quiet', automountServiceAccountToken: true }));
    expect((loud.spec.volumes as { name: string }[]).map((v) => v.name)[0]).toMatch(/^kube-api-access-/);
  });

  it('warns (instead of refusing, as Kubernetes does) when the service account does not exist', async () => {
    const { registry } = await memoryCluster();
    const warnings: string[] = [];
    const p = await registry.create<Pod>('pods', 'default', pod('lonely', { serviceAccountName: 'ghost' }), { warnings });
    expect(p.spec.volumes ?? []).toEqual([]);
    expect(warnings).toEqual(['spec.serviceAccountName: serviceaccount "ghost" not found in namespace "default": the pod gets no API token']);
  });
});

describe('warnings for fields Skiff does not act on', () => {
  it('lists them with their field paths, for pods and for workload templates', async () => {
    const { registry } = await memoryCluster();
    await registry.create<KubeObject>('serviceaccounts', 'default', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
    const spec = {
      affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [] as unknown[] }, nodeAffinity: {} },
      volumes: [{ name: 'share', nfs: { server: 'nas', path: '/x' } }],
      containers: [{ name: 'main', image: 'x:1', ports: [{ containerPort: 80, hostPort: 8080 }], resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }], resources: { limits: { 'nvidia.com/gpu': '1', cpu: '1' } } }],
    };
    const warnings: string[] = [];
    await registry.create<Pod>('pods', 'default', pod('w', spec), { warnings });
    expect(warnings).toEqual([
      'spec.volumes[0].nfs: nfs volumes are not mounted by Skiff; containers that mount "share" will not start',
      'spec.containers[0].resources.limits[nvidia.com/gpu]: not enforced by Skiff (only cpu and memory limits are)',
      'spec.containers[0].resizePolicy: resources are not resized in place by Skiff (a changed pod is recreated)',
    ]);
    const dw: string[] = [];
    await registry.create('deployments', 'default', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { ...spec, priorityClassName: 'batch-high', topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }] } } } } as KubeObject, { warnings: dw });
    // Affinity, anti-affinity, topology spread and priority are the scheduler's now: no warning.
    expect(dw.filter((w) => /affinity|topologySpread|priorityClassName/.test(w))).toEqual([]);
    expect(dw[0]).toBe('spec.template.spec.volumes[0].nfs: nfs volumes are not mounted by Skiff; containers that mount "share" will not start');
  });

  it('has nothing to say about what Skiff does act on, defaults included', () => {
    expect(
      podSpecWarnings({
        dnsPolicy: 'ClusterFirst',
        enableServiceLinks: true,
        priority: 0,
        preemptionPolicy: 'PreemptLowerPriority',
        securityContext: { runAsUser: 1, fsGroup: 2, sysctls: [], seccompProfile: { type: 'RuntimeDefault' } },
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } },
        volumes: [{ name: 'a', emptyDir: {} }, { name: 'b', configMap: { name: 'x' } }, { name: 'c', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }, { name: 'd', persistentVolumeClaim: { claimName: 'c' } }],
        initContainers: [{ name: 'i', image: 'x', restartPolicy: 'Always' }],
        containers: [{ name: 'm', image: 'x', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1', memory: '1Gi' } }, livenessProbe: { grpc: { port: 9 } }, lifecycle: { preStop: { sleep: { seconds: 1 } } } }],
      }),
    ).toEqual([]);
  });

  it('has nothing to say about emptyDir sizeLimit: a memory one is the tmpfs size, a disk one is measured and the pod evicted past it', () => {
    expect(podSpecWarnings({ volumes: [{ name: 'd', emptyDir: { sizeLimit: '1Gi' } }, { name: 'm', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } }] })).toEqual([]);
  });

  it('sends them as Warning headers, escaped, once each', () => {
    const headers = new Map<string, unknown>();
    setWarnings({ setHeader: (k: string, v: unknown) => headers.set(k, v) } as unknown as ServerResponse, ['a "quoted" \\ one', 'a "quoted" \\ one', 'ünïcode\nline']);
    expect(headers.get('Warning')).toEqual(['299 - "a \\"quoted\\" \\\\ one"', '299 - "?n?code?line"']);
  });
});
