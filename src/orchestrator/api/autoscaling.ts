import type { Condition, KubeObject } from './types.js';

/** The shapes of autoscaling/v2 HorizontalPodAutoscaler the controller reads and writes. */

export interface CrossVersionObjectReference {
  apiVersion?: string;
  kind: string;
  name: string;
}

export interface MetricTarget {
  type: 'Utilization' | 'Value' | 'AverageValue';
  averageUtilization?: number;
  averageValue?: string | number;
  value?: string | number;
}

export interface MetricSpec {
  type: 'Resource' | 'ContainerResource' | 'Pods' | 'Object' | 'External';
  resource?: { name: string; target: MetricTarget };
  containerResource?: { name: string; container: string; target: MetricTarget };
  pods?: { metric: { name: string }; target: MetricTarget };
  object?: { metric: { name: string }; target: MetricTarget; describedObject: CrossVersionObjectReference };
  external?: { metric: { name: string }; target: MetricTarget };
}

export interface MetricValueStatus {
  averageUtilization?: number;
  averageValue?: string;
  value?: string;
}

export interface MetricStatus {
  type: MetricSpec['type'];
  resource?: { name: string; current: MetricValueStatus };
  containerResource?: { name: string; container: string; current: MetricValueStatus };
}

export interface HPAScalingPolicy {
  type: 'Pods' | 'Percent';
  value: number;
  periodSeconds: number;
}

export interface HPAScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled';
  policies?: HPAScalingPolicy[];
}

export interface HorizontalPodAutoscaler extends KubeObject {
  spec: {
    scaleTargetRef: CrossVersionObjectReference;
    minReplicas?: number;
    maxReplicas: number;
    metrics?: MetricSpec[];
    behavior?: { scaleUp?: HPAScalingRules; scaleDown?: HPAScalingRules };
  };
  status?: {
    observedGeneration?: number;
    lastScaleTime?: string;
    currentReplicas?: number;
    desiredReplicas?: number;
    currentMetrics?: MetricStatus[];
    conditions?: Condition[];
  };
}

/** kube-controller-manager's defaults (pkg/apis/autoscaling/v2/defaults.go). */
export const DEFAULT_CPU_UTILIZATION = 80;

export function defaultScaleUpRules(): Required<HPAScalingRules> {
  return {
    stabilizationWindowSeconds: 0,
    selectPolicy: 'Max',
    policies: [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
}

export function defaultScaleDownRules(): Required<HPAScalingRules> {
  return { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };
}

function fill(rules: unknown, defaults: Required<HPAScalingRules>): Required<HPAScalingRules> {
  const r = (rules && typeof rules === 'object' ? rules : {}) as HPAScalingRules;
  return {
    stabilizationWindowSeconds: r.stabilizationWindowSeconds ?? defaults.stabilizationWindowSeconds,
    selectPolicy: r.selectPolicy ?? defaults.selectPolicy,
    policies: r.policies ?? defaults.policies,
  };
}

/**
 * Server defaults of an HPA: `minReplicas: 1`, a CPU utilization target of 80% when no metric is
 * given, and, when `behavior` is set, each of its missing rules and fields from the default rules.
 */
export function defaultHorizontalPodAutoscaler(o: KubeObject): void {
  const spec = o.spec as Record<string, unknown> | undefined;
  if (!spec || typeof spec !== 'object') return;
  if (spec.minReplicas === undefined) spec.minReplicas = 1;
  if (!Array.isArray(spec.metrics) || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  const b = spec.behavior as Record<string, unknown> | undefined;
  if (b && typeof b === 'object') {
    b.scaleUp = fill(b.scaleUp, defaultScaleUpRules());
    b.scaleDown = fill(b.scaleDown, defaultScaleDownRules());
  }
}
