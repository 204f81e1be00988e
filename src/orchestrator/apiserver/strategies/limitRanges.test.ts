import { describe, expect, it } from 'vitest';
import type { KubeObject, Pod } from '../../api/types.js';
import { refusal } from '../../testing/apiErrors.js';
import { memoryCluster } from '../../testing/memoryCluster.js';

const limitRange = (name: string, limits: unknown[]): KubeObject => ({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name, namespace: 'default' }, spec: { limits } }) as KubeObject;
const pod = (name: string, containers: Record<string, unknown>[]): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: containers.map((c, i) => ({ name: `c${i}`, image: 'x:1', ...c })) } }) as Pod;

describe('LimitRange (the LimitRanger admission)', () => {
  it('defaults a Container item as kube-apiserver does: the default limit from max, the default request from the default, else min', async () => {
    const { client } = await memoryCluster();
    const lr = await client.create('limitranges', limitRange('defaults', [{ type: 'Container', max: { cpu: '2' }, default: { memory: '512Mi' }, min: { 'ephemeral-storage': '1Gi' } }, { type: 'Pod', max: { cpu: '4' } }]));
    expect((lr.spec as { limits: unknown[] }).limits).toEqual([
      { type: 'Container', max: { cpu: '2' }, min: { 'ephemeral-storage': '1Gi' }, default: { memory: '512Mi', cpu: '2' }, defaultRequest: { memory: '512Mi', cpu: '2', 'ephemeral-storage': '1Gi' } },
      { type: 'Pod', max: { cpu: '4' } },
    ]);
  });

  it("gives a pod's containers the defaults they leave unset, says so in an annotation, and counts them in the QoS class", async () => {
    const { client } = await memoryCluster();
    await client.create('limitranges', limitRange('defaults', [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '100m', memory: '128Mi' } }]));
    const p = await client.create<Pod>('pods', pod('web', [{}, { resources: { requests: { cpu: '200m' }, limits: { memory: '1Gi' } } }]));
    expect(p.spec.containers.map((c) => c.resources)).toEqual([
      { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
      // Its memory request came from its own limit (the API's defaults run first), its cpu limit from the range.
      { requests: { cpu: '200m', memory: '1Gi' }, limits: { memory: '1Gi', cpu: '500m' } },
    ]);
    expect(p.metadata.annotations?.['kubernetes.io/limit-ranger']).toBe('LimitRanger plugin set: cpu, memory request for container c0; cpu, memory limit for container c0; cpu limit for container c1');
    expect((p.status as { qosClass?: string } | undefined)?.qosClass).toBe('Burstable');
    // Requests equal to limits: Guaranteed, though the pod itself asked for nothing.
    await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    await client.create('limitranges', { ...limitRange('equal', [{ type: 'Container', default: { cpu: '1', memory: '1Gi' } }]), metadata: { name: 'equal', namespace: 'other' } });
    const g = await client.create<Pod>('pods', { ...pod('g', [{}]), metadata: { name: 'g', namespace: 'other' } });
    expect((g.status as { qosClass?: string } | undefined)?.qosClass).toBe('Guaranteed');
    // No range in the namespace, nothing set.
    await client.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'plain' } });
    const plain = await client.create<Pod>('pods', { ...pod('p', [{}]), metadata: { name: 'p', namespace: 'plain' } });
    expect(plain.spec.containers[0]?.resources ?? {}).toEqual({});
    expect(plain.metadata.annotations?.['kubernetes.io/limit-ranger']).toBeUndefined();
    expect((plain.status as { qosClass?: string } | undefined)?.qosClass).toBe('BestEffort');
  });

  it('refuses a pod outside a Container or Pod item with a 403 worded as the LimitRanger words it', async () => {
    const { client } = await memoryCluster();
    await client.create('limitranges', limitRange('bounds', [
      { type: 'Container', max: { cpu: '1' }, min: { memory: '64Mi' }, maxLimitRequestRatio: { cpu: '4' } },
      { type: 'Pod', max: { memory: '1Gi' } },
    ]));
    expect(await refusal(client.create('pods', pod('big', [{ resources: { requests: { cpu: '500m', memory: '128Mi' }, limits: { cpu: '2', memory: '256Mi' } } }])))).toEqual({
      code: 403,
      message: 'pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2',
    });
    expect(await refusal(client.create('pods', pod('spiky', [{ resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } } }])))).toEqual({
      code: 403,
      message: 'pods "spiky" is forbidden: cpu max limit to request ratio per Container is 4, but provided ratio is 10.000000',
    });
    // Two containers of 768Mi each: within the Container item, over the Pod's 1Gi; and a container with no memory at all.
    const two = { resources: { requests: { cpu: '500m', memory: '768Mi' }, limits: { cpu: '1', memory: '768Mi' } } };
    expect(await refusal(client.create('pods', pod('pair', [two, two])))).toEqual({
      code: 403,
      message: 'pods "pair" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1536Mi',
    });
    // The Container item's min became its default request (so that min is met), but nothing sets a memory limit.
    const bare = await refusal(client.create('pods', pod('bare', [{ resources: { limits: { cpu: '1' } } }])));
    expect(bare.message).toBe('pods "bare" is forbidden: maximum memory usage per Pod is 1Gi.  No limit is specified');
    // Several violations are listed together, in brackets.
    const both = await refusal(client.create('pods', pod('both', [{ resources: { requests: { memory: '32Mi' }, limits: { cpu: '3', memory: '2Gi' } } }])));
    expect(both.message).toBe('pods "both" is forbidden: [minimum memory usage per Container is 64Mi, but request is 32Mi, maximum cpu usage per Container is 1, but limit is 3, maximum memory usage per Pod is 1Gi, but limit is 2Gi]');
    const ok = await client.create<Pod>('pods', pod('fits', [{ resources: { requests: { cpu: '500m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } } }]));
    expect(ok.metadata.name).toBe('fits');
  });

  it('bounds what a claim requests, on create and when it grows', async () => {
    const { client } = await memoryCluster();
    await client.create('limitranges', limitRange('storage', [{ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '10Gi' } }]));
    const claim = (name: string, storage: string): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } } }) as KubeObject;
    expect(await refusal(client.create('persistentvolumeclaims', claim('huge', '20Gi')))).toEqual({ code: 403, message: 'persistentvolumeclaims "huge" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi' });
    expect(await refusal(client.create('persistentvolumeclaims', claim('tiny', '100Mi')))).toEqual({ code: 403, message: 'persistentvolumeclaims "tiny" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 100Mi' });
    const ok = await client.create('persistentvolumeclaims', claim('ok', '5Gi'));
    // Its status may still be written (the range is not checked when the request stays).
    await client.updateStatus('persistentvolumeclaims', { ...ok, status: { phase: 'Pending' } });
    expect((await refusal(client.patch('persistentvolumeclaims', 'default', 'ok', 'merge', { spec: { resources: { requests: { storage: '50Gi' } } } }))).code).toBe(403);
  });

  it('validates a LimitRange: known types, quantities, min <= default request <= default <= max, no defaults on a Pod item', async () => {
    const { client } = await memoryCluster();
    const e = await refusal(client.create('limitranges', limitRange('bad', [
      { type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } },
      { type: 'Pod', default: { cpu: '1' } },
      { type: 'Volume' },
      { type: 'Container', default: { memory: '1Gi' }, defaultRequest: { memory: '2Gi' }, maxLimitRequestRatio: { memory: '0.5' } },
    ])));
    expect(e.code).toBe(422);
    for (const part of [
      'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
      "spec.limits[1].default: Forbidden: may not be specified when `type` is 'Pod'",
      'spec.limits[2].type: Unsupported value: "Volume"',
      'spec.limits[3].defaultRequest[memory]: Invalid value: "2Gi": default request value 2Gi is greater than default limit value 1Gi',
      'spec.limits[3].maxLimitRequestRatio[memory]: Invalid value: "0.5": ratio 0.5 is less than 1',
    ]) expect(e.message).toContain(part);
  });
});
