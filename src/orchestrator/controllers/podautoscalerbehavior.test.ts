import { describe, expect, it } from 'vitest';
import type { HorizontalPodAutoscaler, HPAScalingRules } from '../api/autoscaling.js';
import { BehaviorState } from './podautoscalerbehavior.js';

function hpa(behavior?: { scaleUp?: HPAScalingRules; scaleDown?: HPAScalingRules }, min = 1, max = 100): HorizontalPodAutoscaler {
  return { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'default' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'd' }, minReplicas: min, maxReplicas: max, ...(behavior ? { behavior } : {}) } };
}

/** Runs a sequence of (seconds, current, desired) samples; returns what each step allowed. */
function run(h: HorizontalPodAutoscaler, steps: [number, number, number][]): number[] {
  const s = new BehaviorState();
  return steps.map(([t, current, desired]) => {
    const n = s.normalize('k', h, current, desired, t * 1000);
    if (n.replicas !== current) s.recordScale('k', h, current, n.replicas, t * 1000);
    return n.replicas;
  });
}

describe('HPA behavior', () => {
  it.each<{ name: string; h: HorizontalPodAutoscaler; steps: [number, number, number][]; want: number[] }>([
    {
      name: 'default scale-up: max(4 pods, 100%) per 15 s',
      h: hpa(),
      steps: [[0, 1, 20], [15, 5, 20], [30, 10, 20]],
      want: [5, 10, 20],
    },
    {
      name: 'default scale-down waits out the 300 s window from the current size',
      h: hpa(),
      steps: [[0, 10, 2], [100, 10, 2], [299, 10, 2], [301, 10, 2]],
      want: [10, 10, 10, 2],
    },
    {
      name: 'scale-down window holds the highest recent recommendation',
      h: hpa({ scaleDown: { stabilizationWindowSeconds: 60 } }),
      steps: [[0, 8, 8], [30, 8, 6], [61, 8, 4], [91, 8, 4], [122, 4, 4]],
      want: [8, 8, 6, 4, 4],
    },
    {
      name: 'scale-up window takes the lowest recent recommendation',
      h: hpa({ scaleUp: { stabilizationWindowSeconds: 60 } }),
      steps: [[0, 2, 2], [10, 2, 6], [70, 2, 6]],
      want: [2, 2, 6],
    },
    {
      name: 'a Pods policy of 1 per 60 s adds one pod a minute',
      h: hpa({ scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } }),
      steps: [[0, 1, 5], [30, 2, 5], [61, 2, 5]],
      want: [2, 2, 3],
    },
    {
      name: 'a Percent policy of 50% per 15 s on the way down (rounded down, as upstream)',
      h: hpa({ scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Percent', value: 50, periodSeconds: 15 }] } }),
      steps: [[0, 9, 1], [16, 4, 1], [32, 2, 1], [40, 1, 1]],
      want: [4, 2, 1, 1],
    },
    {
      name: 'selectPolicy Min picks the smaller change',
      h: hpa({ scaleUp: { selectPolicy: 'Min', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] } }),
      steps: [[0, 2, 50]],
      want: [4],
    },
    {
      name: 'selectPolicy Disabled never scales that way',
      h: hpa({ scaleDown: { selectPolicy: 'Disabled' } }),
      steps: [[0, 5, 1], [1000, 5, 1]],
      want: [5, 5],
    },
    {
      name: 'max and min bound the result',
      h: hpa({ scaleDown: { stabilizationWindowSeconds: 0 } }, 3, 6),
      steps: [[0, 4, 50], [15, 6, 1]],
      want: [6, 3],
    },
  ])('$name', ({ h, steps, want }) => {
    expect(run(h, steps)).toEqual(want);
  });

  it('reports why the value was limited', () => {
    const s = new BehaviorState();
    const h = hpa(undefined, 1, 3);
    const n = s.normalize('k', h, 2, 10, 0);
    expect(n).toMatchObject({ replicas: 3, limited: true, limitReason: 'TooManyReplicas' });
    const s2 = new BehaviorState();
    expect(s2.normalize('k', hpa(), 1, 50, 0)).toMatchObject({ replicas: 5, limited: true, limitReason: 'ScaleUpLimit' });
    expect(new BehaviorState().normalize('k', hpa(), 10, 2, 0)).toMatchObject({ replicas: 10, limited: false, ableReason: 'ScaleDownStabilized' });
  });
});
