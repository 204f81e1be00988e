import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import type { KubeObject, Pod } from '../api/types.js';
import { podRequests } from '../scheduler/cache.js';
import { memoryCluster } from '../testing/memoryCluster.js';

type Cluster = Awaited<ReturnType<typeof memoryCluster>>;

const deployment = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', namespace: 'default' },
  spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }, ...spec },
});
const pod = (container: Record<string, unknown>, extra: Record<string, unknown> = {}): Pod =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'busybox', ...container }], ...extra },
  }) as unknown as Pod;

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('integer fields hold what their format holds, as the Go decoder does', () => {
  let c: Cluster;
  beforeEach(async () => {
    c = await memoryCluster();
  });
  afterEach(() => c.dispose());

  it.each([
    [{ replicas: 2147483648 }, 'json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32'],
    [{ replicas: -2147483649 }, 'json: cannot unmarshal number -2147483649 into Go struct field DeploymentSpec.spec.replicas of type int32'],
    [{ replicas: 1e308 }, 'json: cannot unmarshal number 1e+308 into Go struct field DeploymentSpec.spec.replicas of type int32'],
    [{ replicas: 1.5 }, 'json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32'],
    [{ progressDeadlineSeconds: 2 ** 31 }, 'of type int32'],
    [{ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 2147483648 } } }, 'json: cannot unmarshal number 2147483648 into Go value of type int32'],
  ])('%j is a 400', async (spec, message) => {
    const e = await refusal(c.client.create('deployments', deployment(spec)));
    expect(e.code).toBe(400);
    expect(e.reason).toBe('BadRequest');
    expect(e.message).toContain(message);
  });

  it('int64 fields take any integer a number holds exactly, and refuse 2^53 and beyond', async () => {
    const ok = await c.client.create<Pod>('pods', pod({}, { activeDeadlineSeconds: 2 ** 53 - 1, terminationGracePeriodSeconds: 2 ** 40 }));
    expect(ok.spec.activeDeadlineSeconds).toBe(2 ** 53 - 1);
    for (const v of [2 ** 53, 1e308, -(2 ** 53)]) {
      const e = await refusal(c.client.create('pods', { ...pod({}, { terminationGracePeriodSeconds: v }), metadata: { name: `p${String(v).length}`, namespace: 'default' } }));
      expect(e.code).toBe(400);
      expect(e.message).toContain('of type int64');
    }
  });

  it('a patch that sets an out-of-range integer is a 422 on the field "patch", as upstream', async () => {
    await c.client.create('deployments', deployment({ replicas: 1 }));
    const e = await refusal(c.client.patch('deployments', 'default', 'd', 'merge', { spec: { replicas: 2147483648 } }));
    expect(e.code).toBe(422);
    expect(e.details?.causes?.[0]?.field).toBe('patch');
    expect(e.message).toContain('of type int32');
  });
});

describe('nulls are read as Go reads them, so nothing downstream meets one', () => {
  let c: Cluster;
  beforeEach(async () => {
    c = await memoryCluster();
  });
  afterEach(() => c.dispose());

  it('resources: null is unset (then defaulted to {}), and the scheduler can read the pod', async () => {
    const p = await c.client.create<Pod>('pods', pod({ resources: null }));
    expect(p.spec.containers[0]?.resources).toEqual({});
    expect(() => podRequests(p)).not.toThrow();
  });

  it('a null quantity is zero, a null label value empty, a null field unset, a null list item its zero value', async () => {
    const p = await c.client.create<Pod>('pods', {
      ...pod({ resources: { requests: { cpu: null, memory: '1Mi' }, limits: null }, args: ['a', null], env: null }, { nodeSelector: null, tolerations: [null] }),
      metadata: { name: 'p', namespace: 'default', labels: { a: null } as unknown as Record<string, string> },
    });
    expect(p.metadata.labels).toEqual({ a: '' });
    const ctr = p.spec.containers[0] as unknown as Record<string, unknown>;
    expect(ctr.resources).toEqual({ requests: { cpu: '0', memory: '1Mi' } });
    expect(ctr.args).toEqual(['a', '']);
    expect('env' in ctr).toBe(false);
    expect('nodeSelector' in p.spec).toBe(false);
    expect(p.spec.tolerations).toEqual([{}]);
    expect(podRequests(p)).toMatchObject({ milliCPU: 0, memory: 1024 * 1024 });
  });

  it('a null container is an empty one: refused with the fields it lacks, as Kubernetes answers', async () => {
    const e = await refusal(c.client.create('pods', { ...pod({}), spec: { containers: [null] } }));
    expect(e.code).toBe(422);
    expect(e.details?.causes?.map((x) => x.field)).toContain('spec.containers[0].name');
  });

  it('a null time stays null (Go writes a zero time as null)', async () => {
    type D = KubeObject & { spec: { template: { metadata: Record<string, unknown> } } };
    const d = await c.client.create<D>('deployments', {
      ...deployment({}),
      spec: { ...(deployment({}).spec as object), template: { metadata: { labels: { app: 'd' }, creationTimestamp: null }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    } as D);
    expect(d.spec.template.metadata).toHaveProperty('creationTimestamp', null);
  });
});

