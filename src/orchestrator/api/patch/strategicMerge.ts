import { mergePatch } from './mergePatch.js';

/**
 * Strategic merge patch, as client-side `kubectl apply` sends it. (Initial version: behaves as a
 * merge patch; list merge keys and directives come next.)
 */
export function strategicMergePatch(target: unknown, patch: unknown, kind: string): unknown {
  void kind;
  return mergePatch(target, patch);
}
