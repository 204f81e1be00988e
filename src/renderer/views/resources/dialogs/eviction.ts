import { useApp } from '../../../store/context.js';

/** Whether the server serves `pods/eviction` (discovery), and whether discovery has answered yet. */
export function useEvictionServed(): { served: boolean; known: boolean } {
  const served = useApp((s) => s.kinds.some((k) => k.group === '' && k.resource === 'pods' && k.subresources.includes('eviction')));
  const known = useApp((s) => s.kindsFromServer);
  return { served, known };
}

export const NO_EVICTION =
  'This cluster does not serve the Eviction API (POST pods/NAME/eviction) yet, so PodDisruptionBudgets cannot be consulted. Pods are deleted instead, which is what kubectl drain does on such a server.';
