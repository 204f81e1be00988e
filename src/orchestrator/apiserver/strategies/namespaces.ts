import type { Strategy } from './types.js';

/**
 * Namespaces: a DELETE never removes one at once. It gets the `kubernetes` finalizer and phase
 * `Terminating`; the namespace controller deletes what is inside, then removes the finalizer.
 */
export const namespaceStrategy: Strategy = {
  deletion: () => ({ gracePeriodSeconds: 0, finalizers: ['kubernetes'], status: { phase: 'Terminating' } }),
};
