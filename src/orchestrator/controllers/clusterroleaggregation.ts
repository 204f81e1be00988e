import { isConflict, isNotFound } from '../api/errors.js';
import { canonicalJson } from '../api/podutil.js';
import { fromLabelSelector, matches } from '../api/selectors.js';
import type { KubeObject, LabelSelector } from '../api/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';

const COMPONENT = 'clusterrole-aggregation-controller';

interface ClusterRole extends KubeObject {
  rules?: unknown[];
  aggregationRule?: { clusterRoleSelectors?: LabelSelector[] } | null;
}

/**
 * kube-controller-manager's ClusterRole aggregation controller: a ClusterRole with an
 * `aggregationRule` gets, as its rules, the rules of every ClusterRole its selectors match (in name
 * order, each rule once), and follows them as they change. This is how `admin`, `edit` and `view`
 * grow when a role labelled `rbac.authorization.k8s.io/aggregate-to-edit: "true"` appears.
 */
export function startClusterRoleAggregationController(ctx: ControllerContext): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const roles = informers.get<ClusterRole>('clusterroles');

  const reconcile = async (name: string): Promise<void> => {
    const role = roles.get(name);
    const selectors = role?.aggregationRule?.clusterRoleSelectors;
    if (!role || !selectors) return;
    const rules: unknown[] = [];
    const seen = new Set<string>();
    const sources = roles.list((r) => r.metadata.name !== name && selectors.some((s) => matches(fromLabelSelector(s), r.metadata.labels)));
    sources.sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
    for (const src of sources) {
      for (const rule of src.rules ?? []) {
        const key = canonicalJson(rule);
        if (seen.has(key)) continue;
        seen.add(key);
        rules.push(rule);
      }
    }
    if (canonicalJson(role.rules ?? []) === canonicalJson(rules)) return;
    try {
      await client.update<ClusterRole>('clusterroles', { ...role, rules });
    } catch (e) {
      // A stale cache (conflict) or a role deleted meanwhile: the informer's next event brings it back here.
      if (!isNotFound(e) && !isConflict(e)) throw e;
    }
  };

  const loop = runLoop(COMPONENT, reconcile, { clock, log, ready: informers.waitForSync(['clusterroles']) });
  // Any change may add or remove rules of any aggregated role: re-check them all.
  const enqueueAggregated = () => {
    for (const r of roles.list((x) => !!x.aggregationRule)) loop.enqueue(r.metadata.name ?? '');
  };
  roles.addHandlers({ onAdd: enqueueAggregated, onUpdate: enqueueAggregated, onDelete: enqueueAggregated });
  return loop;
}
