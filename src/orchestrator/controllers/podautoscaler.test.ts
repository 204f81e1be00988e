import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HorizontalPodAutoscaler } from '../api/autoscaling.js';
import { getCondition, isPodActive, isPodReady } from '../api/podutil.js';
import type { Deployment, Pod } from '../api/types.js';
import type { MetricsSource, PodMetricsSample } from '../client/metricsSource.js';
import { controllerFixture, type ControllerFixture } from './testkit.js';

/** Pod usage the test sets: millicores per pod name (or one value for every pod), sampled "now". */
class FakeMetrics implements MetricsSource {
  cpuMilli = new Map<string, number>();
  everyPod: number | undefined;
  constructor(private readonly now: () => number) {}
  podMetrics(namespace: string, name: string): PodMetricsSample | undefined {
    const cpu = this.cpuMilli.get(name) ?? this.everyPod;
    if (cpu === undefined) return undefined;
    return { namespace, name, timestamp: this.now(), windowMs: 15_000, cpuMilli: cpu, memoryBytes: 1 << 20, containers: [{ name: 'web', cpuMilli: cpu, memoryBytes: 1 << 20 }] };
  }
}

function deployment(replicas: number): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'x', resources: { requests: { cpu: '100m' } } }] } },
    },
  };
}

function hpa(spec: Partial<HorizontalPodAutoscaler['spec']> = {}): HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      ...spec,
    },
  };
}

let f: ControllerFixture;
let metrics: FakeMetrics;

beforeEach(async () => {
  let now = () => 0;
  metrics = new FakeMetrics(() => now());
  f = await controllerFixture({ podAutoscaler: { metrics } });
  now = () => f.clock.now();
  await f.addNode('n1', { cpu: '64', memory: '64Gi' });
});

afterEach(async () => {
  await f.dispose();
});

const replicas = async () => (await f.client.get<Deployment>('deployments', 'default', 'web')).spec.replicas;
const getHpa = () => f.client.get<HorizontalPodAutoscaler>('horizontalpodautoscalers', 'default', 'web');

/** Plays the agent: bound pods turn Ready, terminating ones go; then a full metrics window passes. */
async function podsReady(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await f.settle();
    await f.readyAllPods();
    await f.finishTerminating();
    await f.settle();
    const pods = (await f.pods()).filter(isPodActive);
    if (pods.length === (await replicas()) && pods.every(isPodReady)) break;
  }
  await f.advance(16_000);
}

/** Advances in sync periods (the controller looks every 15 s) for `seconds`. */
async function passSeconds(seconds: number): Promise<void> {
  for (let t = 0; t < seconds; t += 15) {
    await f.advance(15_000);
    await f.readyAllPods();
    await f.finishTerminating();
  }
}

describe('horizontal pod autoscaler controller', () => {
  it('scales a Deployment up on CPU utilization, then down after the 5 minute window', async () => {
    await f.client.create('deployments', deployment(2));
    await podsReady();
    metrics.everyPod = 100; // 100% of the 100m request against a 50% target: twice the pods
    await f.client.create('horizontalpodautoscalers', hpa());
    await f.settle();
    expect(await replicas()).toBe(4);
    const h = await getHpa();
    expect(h.status).toMatchObject({ currentReplicas: 2, desiredReplicas: 4, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 100, averageValue: '100m' } } }] });
    expect(getCondition(h.status?.conditions, 'AbleToScale')).toMatchObject({ status: 'True', reason: 'SucceededRescale' });
    expect(getCondition(h.status?.conditions, 'ScalingActive')).toMatchObject({ status: 'True', reason: 'ValidMetricFound' });
    expect((await f.events('SuccessfulRescale')).map((e) => e.message)).toEqual(['New size: 4; reason: cpu resource utilization (percentage of request) above target']);

    metrics.everyPod = 5; // the load is gone: 5%, one pod would do
    await podsReady();
    await passSeconds(240);
    expect(await replicas()).toBe(4);
    expect(getCondition((await getHpa()).status?.conditions, 'AbleToScale')).toMatchObject({ reason: 'ScaleDownStabilized' });
    await passSeconds(90);
    expect(await replicas()).toBe(1);
    expect((await f.events('SuccessfulRescale')).map((e) => e.message)).toContain('New size: 1; reason: All metrics below target');
  });

  it('holds within the tolerance and while no pod has a sample', async () => {
    await f.client.create('deployments', deployment(2));
    await podsReady();
    await f.client.create('horizontalpodautoscalers', hpa());
    await f.settle();
    expect(getCondition((await getHpa()).status?.conditions, 'ScalingActive')).toMatchObject({ status: 'False', reason: 'FailedGetResourceMetric' });
    expect((await f.events('FailedComputeMetricsReplicas')).length).toBe(1);
    metrics.everyPod = 53;
    await passSeconds(15);
    expect(await replicas()).toBe(2);
    expect((await getHpa()).status).toMatchObject({ desiredReplicas: 2, currentMetrics: [{ resource: { current: { averageUtilization: 53 } } }] });
  });

  it('brings replicas into [min, max] without metrics, and respects behavior policies', async () => {
    await f.client.create('deployments', deployment(1));
    await podsReady();
    metrics.everyPod = 1000;
    await f.client.create('horizontalpodautoscalers', hpa({ minReplicas: 2, maxReplicas: 5, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } } }));
    await f.settle();
    // Below min: straight to min, whatever the policies.
    expect(await replicas()).toBe(2);
    const start = f.clock.now();
    await podsReady();
    // That step counts against the policy: one pod per 60 s, however high the load.
    expect(await replicas()).toBe(2);
    expect(getCondition((await getHpa()).status?.conditions, 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'ScaleUpLimit' });
    const seen: { at: number; n: number }[] = [{ at: start, n: 2 }];
    for (let i = 0; i < 20; i++) {
      await passSeconds(15);
      const n = (await replicas()) as number;
      if (n !== seen[seen.length - 1]?.n) seen.push({ at: f.clock.now(), n });
    }
    expect(seen.map((s) => s.n)).toEqual([2, 3, 4, 5]);
    for (let i = 1; i < seen.length; i++) expect((seen[i] as { at: number }).at - (seen[i - 1] as { at: number }).at).toBeGreaterThanOrEqual(60_000);
    expect(getCondition((await getHpa()).status?.conditions, 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'TooManyReplicas' });
  });

  it('scales on memory average value, and names a missing target', async () => {
    await f.client.create('deployments', deployment(2));
    await podsReady();
    metrics.everyPod = 1; // 1 MiB each (FakeMetrics)
    await f.client.create('horizontalpodautoscalers', hpa({ metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '256Ki' } } }] }));
    await f.settle();
    // 4x the target asks for 8; the default scale-up rate allows max(+4 pods, +100%) per 15 s.
    expect(await replicas()).toBe(6);
    expect(getCondition((await getHpa()).status?.conditions, 'ScalingLimited')).toMatchObject({ status: 'True', reason: 'ScaleUpLimit' });
    expect((await getHpa()).status?.currentMetrics).toEqual([{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '1Mi' } } }]);

    await f.client.create('horizontalpodautoscalers', { ...hpa({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'nope' } }), metadata: { name: 'lost', namespace: 'default' } });
    await f.settle();
    const lost = await f.client.get<HorizontalPodAutoscaler>('horizontalpodautoscalers', 'default', 'lost');
    expect(getCondition(lost.status?.conditions, 'AbleToScale')).toMatchObject({ status: 'False', reason: 'FailedGetScale' });
  });

  it('says Pods/Object/External metrics need a custom metrics API', async () => {
    await f.client.create('deployments', deployment(2));
    await podsReady();
    await f.client.create('horizontalpodautoscalers', hpa({ metrics: [{ type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } }] }));
    await f.settle();
    const c = getCondition((await getHpa()).status?.conditions, 'ScalingActive');
    expect(c).toMatchObject({ status: 'False', reason: 'FailedGetPodsMetric' });
    expect(c?.message).toContain('custom.metrics.k8s.io');
    expect(await replicas()).toBe(2);
  });
});

export type { Pod };
