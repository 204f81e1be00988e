import type { Condition, KubeObject, LabelSelector } from './types.js';

/** policy/v1 PodDisruptionBudget, as the disruption controller and the eviction subresource read it. */
export interface PodDisruptionBudget extends KubeObject {
  spec: {
    minAvailable?: number | string;
    maxUnavailable?: number | string;
    selector?: LabelSelector;
    unhealthyPodEvictionPolicy?: 'IfHealthyBudget' | 'AlwaysAllow';
  };
  status?: {
    observedGeneration?: number;
    /** Pod name -> when its eviction was admitted (RFC 3339); the controller drops entries once the pod is gone or after 2 minutes. */
    disruptedPods?: Record<string, string>;
    disruptionsAllowed?: number;
    currentHealthy?: number;
    desiredHealthy?: number;
    expectedPods?: number;
    conditions?: Condition[];
  };
}

/** An eviction admitted this long ago whose pod still exists is no longer counted as disrupted (upstream DeletionTimeout). */
export const DISRUPTED_POD_TIMEOUT_MS = 2 * 60_000;

/** Reason of the DisruptionAllowed condition. */
export function disruptionAllowedCondition(allowed: number): Pick<Condition, 'type' | 'status' | 'reason' | 'message'> {
  return allowed > 0
    ? { type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '' }
    : { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '' };
}
