import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/kubectl.js';
import { startCompatCluster, type CompatCluster } from './cluster.js';

// kubectl autoscale and a HorizontalPodAutoscaler that scales a CPU-burning Deployment up, then
// back down once the load is gone: real containers, real cgroup counters, the real kubectl.
// Metrics are scraped every 2 s and the HPA looks every 3 s (instead of 15 s and 15 s) so the
// test is short; every wait is on a condition.
let c: CompatCluster;

function burner(mode: 'burn' = 'burn'): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: burn}
spec:
  replicas: 1
  selector: {matchLabels: {app: burn}}
  template:
    metadata: {labels: {app: burn}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: main
        image: local/busybox:1
        env: [{name: MODE, value: ${mode}}]
        # A CPU limit keeps the burner gentle on a shared machine: 200m against a 100m request.
        command: ["sh", "-c", "if [ \\"$MODE\\" = burn ]; then while :; do :; done; else trap 'exit 0' TERM; while true; do sleep 1; done; fi"]
        resources:
          requests: {cpu: 100m}
          limits: {cpu: 200m}
`;
}

beforeAll(async () => {
  c = await startCompatCluster('compat-hpa', { metricsResolutionMs: 2_000, controllers: { podAutoscaler: { syncPeriodMs: 3_000 } } });
  await c.k.ok(['apply', '-f', c.file('burn.yaml', burner('burn'))]);
});

afterAll(async () => {
  await c?.stop();
});

const replicas = async () => Number(await c.k.ok(['get', 'deploy', 'burn', '-o', 'jsonpath={.spec.replicas}']));

describe('kubectl autoscale and the HPA', () => {
  it('autoscale creates an autoscaling/v1 HPA, served as v2 too', async () => {
    const out = await c.k.ok(['autoscale', 'deployment', 'burn', '--cpu-percent=50', '--min=1', '--max=3']);
    expect(out.trim()).toBe('horizontalpodautoscaler.autoscaling/burn autoscaled');
    const v1 = JSON.parse(await c.k.ok(['get', 'horizontalpodautoscalers.v1.autoscaling', 'burn', '-o', 'json'])) as { apiVersion: string; spec: Record<string, unknown> };
    expect(v1.apiVersion).toBe('autoscaling/v1');
    expect(v1.spec).toMatchObject({ maxReplicas: 3, minReplicas: 1, targetCPUUtilizationPercentage: 50, scaleTargetRef: { kind: 'Deployment', name: 'burn' } });
    const v2 = JSON.parse(await c.k.ok(['get', 'hpa', 'burn', '-o', 'json'])) as { apiVersion: string; spec: Record<string, unknown> };
    expect(v2.apiVersion).toBe('autoscaling/v2');
    expect(v2.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
  });

  it('scales the burning Deployment up to max, and get/describe show why', async () => {
    await eventually('the HPA to scale up to 3', async () => (await replicas()) === 3, 180_000, 1_000);
    const table = await c.k.ok(['get', 'hpa', 'burn']);
    expect(table).toMatch(/^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\n/);
    expect(table).toMatch(/burn\s+Deployment\/burn\s+cpu: (\d+%|<unknown>)\/50%\s+1\s+3\s+\d+\s+/);
    const describe = await c.k.ok(['describe', 'hpa', 'burn']);
    expect(describe).toMatch(/SuccessfulRescale\s+.*New size: \d; reason: cpu resource utilization \(percentage of request\) above target/);
    expect(describe).toMatch(/AbleToScale\s+True/);
    expect(describe).toMatch(/ScalingActive\s+True\s+ValidMetricFound/);
  });

  it('scales back down once the load is gone', async () => {
    // A short scale-down window (the default waits 5 minutes), through a v2 patch of the v1-created HPA.
    await c.k.ok(['patch', 'hpa', 'burn', '--type=merge', '-p', '{"spec":{"behavior":{"scaleDown":{"stabilizationWindowSeconds":5}}}}']);
    const v1 = JSON.parse(await c.k.ok(['get', 'horizontalpodautoscalers.v1.autoscaling', 'burn', '-o', 'json'])) as { metadata: { annotations?: Record<string, string> } };
    expect(JSON.parse(v1.metadata.annotations?.['autoscaling.alpha.kubernetes.io/behavior'] ?? '{}')).toMatchObject({ scaleDown: { stabilizationWindowSeconds: 5 } });
    // Not `apply` of the manifest: its `replicas: 1` would undo the HPA's scale, as on any cluster.
    await c.k.ok(['set', 'env', 'deployment/burn', 'MODE=idle']);
    expect(await replicas()).toBe(3);
    await eventually('the HPA to scale down to 1', async () => (await replicas()) === 1, 240_000, 1_000);
    const events = await c.k.ok(['get', 'events', '--field-selector', 'involvedObject.kind=HorizontalPodAutoscaler,reason=SuccessfulRescale', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}']);
    expect(events).toContain('reason: All metrics below target');
  });
});
