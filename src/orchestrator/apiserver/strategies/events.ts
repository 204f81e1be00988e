import type { Strategy } from './types.js';

/** Events: still written about what happens while a namespace terminates (its objects going away). */
export const eventStrategy: Strategy = {
  createInTerminatingNamespace: true,
};
