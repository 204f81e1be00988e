import type { Rule } from '../hostnet/types.js';

/**
 * More packet-filter rules for the node's one `apply` (NetworkPolicy today; cluster DNS and the
 * ingress controller may add theirs the same way): a source keeps its own informers, kicks the
 * node's network loop when its rules may have changed, and hands its rules over on each sync.
 * Its rules come before the service proxy's, so a source's filter `FWD` rules see packets first;
 * each source keeps to chains of its own (`NP`, `NP-...`).
 */
export interface RuleSource {
  /** Starts watching; calls `kick` whenever `rules()` may return something new. */
  start(kick: () => void): void;
  stop(): void;
  /** Resolves once the source has listed what it needs (a sync before that would drop its rules). */
  waitForSync(): Promise<void>;
  /** The rules, computed from the current caches; pure of side effects but for events it records. */
  rules(): Rule[];
}
