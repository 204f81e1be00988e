import { describe, expect, it } from 'vitest';
import { defaultHorizontalPodAutoscaler } from '../autoscaling.js';
import type { KubeObject } from '../types.js';
import { validateHorizontalPodAutoscaler } from '../validation/autoscaling.js';
import { hpaFromV1, hpaToV1 } from './autoscaling.js';

const v2: KubeObject = {
  apiVersion: 'autoscaling/v2',
  kind: 'HorizontalPodAutoscaler',
  metadata: { name: 'web', namespace: 'default', annotations: { team: 'a' } },
  spec: {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
    minReplicas: 1,
    maxReplicas: 5,
    metrics: [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '64Mi' } } },
    ],
    behavior: { scaleDown: { stabilizationWindowSeconds: 30, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 15 }] } },
  },
  status: {
    currentReplicas: 2,
    desiredReplicas: 3,
    currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 90, averageValue: '90m' } } }],
    conditions: [{ type: 'AbleToScale', status: 'True', reason: 'SucceededRescale' }],
  },
};

describe('HorizontalPodAutoscaler v1 <-> v2', () => {
  it('shows the CPU target and current utilization as v1 fields, the rest in annotations', () => {
    const v1 = hpaToV1(v2);
    expect(v1.apiVersion).toBe('autoscaling/v1');
    expect(v1.spec).toEqual({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 60 });
    expect(v1.status).toEqual({ currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 90 });
    expect(v1.metadata.annotations?.team).toBe('a');
    expect(JSON.parse(v1.metadata.annotations?.['autoscaling.alpha.kubernetes.io/metrics'] ?? '[]')).toHaveLength(1);
  });

  it('round-trips v2 -> v1 -> v2 without loss', () => {
    expect(hpaFromV1(hpaToV1(v2))).toEqual(v2);
  });

  it('reads a plain v1 object (kubectl autoscale) as a v2 CPU utilization metric', () => {
    const v1: KubeObject = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, maxReplicas: 4, targetCPUUtilizationPercentage: 50 } };
    const out = hpaFromV1(v1);
    expect(out.spec).toEqual({ scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, maxReplicas: 4, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] });
    expect(out.metadata.annotations).toBeUndefined();
  });
});

describe('HorizontalPodAutoscaler defaults and validation', () => {
  it('defaults minReplicas, an 80% CPU target, and behavior rules when behavior is given', () => {
    const o: KubeObject = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, maxReplicas: 3, behavior: { scaleUp: { stabilizationWindowSeconds: 10 } } } };
    defaultHorizontalPodAutoscaler(o);
    expect(o.spec).toMatchObject({
      minReplicas: 1,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
      behavior: {
        scaleUp: { stabilizationWindowSeconds: 10, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] },
        scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
      },
    });
  });

  it.each<[string, Record<string, unknown>, string, string]>([
    ['max below min', { minReplicas: 3, maxReplicas: 2 }, 'spec.maxReplicas', 'must be greater than or equal to `minReplicas`'],
    ['min of zero', { minReplicas: 0, maxReplicas: 2 }, 'spec.minReplicas', 'must be greater than or equal to 1'],
    ['no target name', { scaleTargetRef: { kind: 'Deployment' }, maxReplicas: 2 }, 'spec.scaleTargetRef.name', 'Required value'],
    ['utilization without a value', { maxReplicas: 2, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }] }, 'spec.metrics[0].resource.target.averageUtilization', 'must set a target utilization'],
    ['an unknown resource', { maxReplicas: 2, metrics: [{ type: 'Resource', resource: { name: 'gpu', target: { type: 'Utilization', averageUtilization: 5 } } }] }, 'spec.metrics[0].resource.name', 'Unsupported value: "gpu"'],
    ['a policy period over 30 min', { maxReplicas: 2, behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 1801 }] } } }, 'spec.behavior.scaleUp.policies[0].periodSeconds', 'must be less than or equal to 1800'],
    ['a window over an hour', { maxReplicas: 2, behavior: { scaleDown: { stabilizationWindowSeconds: 3601 } } }, 'spec.behavior.scaleDown.stabilizationWindowSeconds', 'must be less than or equal to 3600'],
  ])('rejects %s', (_n, spec, field, message) => {
    const o: KubeObject = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'x' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'x' }, ...spec } };
    const causes = validateHorizontalPodAutoscaler(o);
    expect(causes.find((c) => c.field === field)?.message).toContain(message);
  });
});
