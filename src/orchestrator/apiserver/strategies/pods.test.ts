import { describe, expect, it } from 'vitest';
import type { KubeObject, Pod } from '../../api/types.js';
import { podSpecWarnings } from '../../api/podSupport.js';
import { refusal } from '../../testing/apiErrors.js';
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
        schedulingGates: [{ name: 'example.com/quota' }],
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

describe('pods/NAME/ephemeralcontainers (kubectl debug)', () => {
  const debug = (name: string, extra: Record<string, unknown> = {}) => ({ name, image: 'debug:1', command: ['sh'], stdin: true, tty: true, resources: {}, ...extra });
  const causes = async (p: Promise<unknown>) => {
    const e = (await p.then(
      () => undefined,
      (err: unknown) => err,
    )) as { code?: number; details?: { causes?: { field?: string; message?: string }[] } } | undefined;
    expect(e?.code).toBe(422);
    return (e?.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
  };

  it('adds ephemeral containers through the subresource only, never removes or changes one, and defaults them', async () => {
    const { registry } = await memoryCluster();
    await registry.create<Pod>('pods', 'default', pod('p'));
    const added = await registry.patch<Pod>('pods', 'default', 'p', 'strategic', { spec: { ephemeralContainers: [debug('dbg', { targetContainerName: 'main' })] } }, { subresource: 'ephemeralcontainers' });
    expect(added.spec.ephemeralContainers).toEqual([
      { ...debug('dbg', { targetContainerName: 'main' }), terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' },
    ]);
    // Only spec.ephemeralContainers comes through the subresource: a label in the same patch is not written.
    const second = await registry.patch<Pod>('pods', 'default', 'p', 'strategic', { metadata: { labels: { x: 'y' } }, spec: { ephemeralContainers: [debug('dbg2')] } }, { subresource: 'ephemeralcontainers' });
    expect(second.spec.ephemeralContainers?.map((c) => c.name)).toEqual(['dbg', 'dbg2']);
    expect(second.metadata.labels).toBeUndefined();

    const current = await registry.get<Pod>('pods', 'default', 'p');
    const without = { ...current, spec: { ...current.spec, ephemeralContainers: current.spec.ephemeralContainers?.slice(1) } };
    expect(await causes(registry.update('pods', 'default', 'p', without, { subresource: 'ephemeralcontainers' }))).toEqual(['spec.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be removed\n']);
    const changed = { ...current, spec: { ...current.spec, ephemeralContainers: current.spec.ephemeralContainers?.map((c) => ({ ...c, image: 'other:2' })) } };
    expect(await causes(registry.update('pods', 'default', 'p', changed, { subresource: 'ephemeralcontainers' }))).toEqual([
      'spec.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be changed\n',
      'spec.ephemeralContainers: Forbidden: existing ephemeral containers "dbg2" may not be changed\n',
    ]);
    // Through the pod itself they are part of the spec, which does not change that way.
    const plain = { ...current, spec: { ...current.spec, ephemeralContainers: [...(current.spec.ephemeralContainers ?? []), debug('dbg3')] } };
    expect((await causes(registry.update('pods', 'default', 'p', plain)))[0]).toMatch(/^spec: Forbidden: pod updates may not change fields other than .*\n {2}changed: spec.ephemeralContainers$/s);
  });

  it('warns, as for any container, about a field of one that Skiff does not act on', async () => {
    const { registry } = await memoryCluster();
    await registry.create<Pod>('pods', 'default', pod('w'));
    const warnings: string[] = [];
    await registry.patch('pods', 'default', 'w', 'strategic', { spec: { ephemeralContainers: [debug('blk', { volumeDevices: [{ name: 'v', devicePath: '/dev/x' }] })] } }, { subresource: 'ephemeralcontainers', warnings });
    expect(warnings).toEqual(['spec.ephemeralContainers[0].volumeDevices: block volumes are not supported by Skiff']);
  });

  it('refuses them on create, with fields an ephemeral container may not set, a taken name or an unknown target', async () => {
    const { registry } = await memoryCluster();
    expect(await causes(registry.create('pods', 'default', pod('c', { ephemeralContainers: [debug('dbg')] })))).toEqual(['spec.ephemeralContainers: Forbidden: cannot be set on create']);
    await registry.create<Pod>('pods', 'default', pod('p', { volumes: [{ name: 'v', emptyDir: {} }] }));
    const bad = debug('main', {
      targetContainerName: 'nope',
      ports: [{ containerPort: 80 }],
      readinessProbe: { tcpSocket: { port: 80 } },
      resources: { limits: { cpu: '1' } },
      volumeMounts: [{ name: 'v', mountPath: '/v', subPath: 'x' }],
    });
    expect(await causes(registry.patch('pods', 'default', 'p', 'strategic', { spec: { ephemeralContainers: [bad] } }, { subresource: 'ephemeralcontainers' }))).toEqual([
      'spec.ephemeralContainers[0].name: Duplicate value: "main"',
      'spec.ephemeralContainers[0].targetContainerName: Not found: "nope"',
      'spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container',
      'spec.ephemeralContainers[0].resources: Forbidden: cannot be set for an Ephemeral Container',
      'spec.ephemeralContainers[0].readinessProbe: Forbidden: cannot be set for an Ephemeral Container',
      'spec.ephemeralContainers[0].volumeMounts[0].subPath: Forbidden: cannot be set for an Ephemeral Container',
    ]);
  });
});

describe('pod scheduling gates', () => {
  it('marks a gated pod SchedulingGated on create, and refuses a gated pod that names its node, a gate named wrongly or twice', async () => {
    const { client } = await memoryCluster();
    const gated = await client.create<Pod>('pods', pod('g', { schedulingGates: [{ name: 'example.com/wait' }] }));
    expect(gated.status?.conditions).toEqual([
      { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: null, reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' },
    ]);
    expect((await client.create<Pod>('pods', pod('free'))).status?.conditions).toBeUndefined();
    const refused = (spec: Record<string, unknown>) => refusal(client.create<Pod>('pods', pod('bad', spec)));
    expect(await refused({ nodeName: 'a', schedulingGates: [{ name: 'example.com/wait' }] })).toEqual({
      code: 422,
      message: 'Pod "bad" is invalid: spec.nodeName: Forbidden: cannot be set until all schedulingGates have been cleared',
    });
    expect(await refused({ schedulingGates: [{ name: 'example.com/wait' }, { name: 'example.com/wait' }] })).toEqual({ code: 422, message: 'Pod "bad" is invalid: spec.schedulingGates[1]: Duplicate value: "example.com/wait"' });
    expect((await refused({ schedulingGates: [{ name: 'not a name' }] })).message).toMatch(/^Pod "bad" is invalid: spec\.schedulingGates\[0\]: Invalid value: "not a name": name part must consist of/);
    // A gate is never added after the create (only removed).
    await expect(client.patch('pods', 'default', 'free', 'merge', { spec: { schedulingGates: [{ name: 'example.com/late' }] } })).rejects.toMatchObject({ code: 422 });
  });
});
