import { isAlreadyExists, isNotFound } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { Logger } from '../../util/logger.js';
import type { Registry } from '../registry.js';
import { AUTOUPDATE_ANNOTATION, bootstrapClusterRoleBindings, bootstrapClusterRoles } from './bootstrapPolicy.js';
import { covers, toRule } from './rules.js';
import type { PolicyRule } from './types.js';

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const rulesOf = (o: KubeObject): PolicyRule[] => (Array.isArray(o.rules) ? o.rules.map(toRule).filter((r): r is PolicyRule => !!r) : []);

/** Labels and annotations the bootstrap object has, added to what the stored one has. */
function mergedMeta(have: KubeObject, want: KubeObject): Pick<KubeObject['metadata'], 'labels' | 'annotations'> {
  return { labels: { ...want.metadata.labels, ...have.metadata.labels }, annotations: { ...want.metadata.annotations, ...have.metadata.annotations } };
}

/** What one pass did, for a one-line summary (a first start creates every bootstrap object). */
type Outcome = 'created' | 'recreated' | 'reconciled' | 'unchanged';

async function ensure(registry: Registry, resource: string, want: KubeObject, reconcile: (have: KubeObject) => KubeObject | 'recreate' | undefined, log: Logger): Promise<Outcome> {
  const name = want.metadata.name as string;
  let have: KubeObject | undefined;
  try {
    have = await registry.get(resource, undefined, name);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  if (!have) {
    try {
      await registry.create(resource, undefined, want);
      log.debug('created bootstrap RBAC object', { resource, name });
      return 'created';
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
    return 'unchanged';
  }
  // A user who set autoupdate=false keeps the object exactly as they left it.
  if (have.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return 'unchanged';
  const next = reconcile(have);
  if (next === 'recreate') {
    await registry.delete(resource, undefined, name);
    await registry.create(resource, undefined, want);
    log.info('recreated bootstrap RBAC object', { resource, name });
    return 'recreated';
  }
  if (next && !same(next, have)) {
    await registry.update(resource, undefined, name, next);
    log.info('reconciled bootstrap RBAC object', { resource, name });
    return 'reconciled';
  }
  return 'unchanged';
}

/**
 * The bootstrap policy on every start, as kube-apiserver's `rbac/bootstrap-roles` post-start hook:
 * missing roles and bindings are created; existing ones get the rules, subjects, labels and
 * annotations they lack (user additions stay); a binding whose roleRef differs is recreated; an
 * object annotated `rbac.authorization.kubernetes.io/autoupdate: "false"` is left alone. Roles with
 * an aggregation rule get the rule; their rules are the aggregation controller's.
 */
export async function reconcileBootstrapPolicy(registry: Registry, log: Logger): Promise<void> {
  let created = 0;
  const count = (o: Outcome) => {
    if (o === 'created') created++;
  };
  for (const want of bootstrapClusterRoles()) {
    count(await ensure(
      registry,
      'clusterroles',
      want,
      (have) => {
        const next = structuredClone(have);
        next.metadata = { ...next.metadata, ...mergedMeta(have, want) };
        if (want.aggregationRule) {
          next.aggregationRule = want.aggregationRule;
          return next;
        }
        const { missing } = covers(rulesOf(have), rulesOf(want));
        if (missing.length) next.rules = [...((have.rules as unknown[] | undefined) ?? []), ...rulesOf(want).filter((w) => !covers(rulesOf(have), [w]).covered)];
        return next;
      },
      log,
    ));
  }
  for (const want of bootstrapClusterRoleBindings()) {
    count(await ensure(
      registry,
      'clusterrolebindings',
      want,
      (have) => {
        if (!same(have.roleRef, want.roleRef)) return 'recreate';
        const next = structuredClone(have);
        next.metadata = { ...next.metadata, ...mergedMeta(have, want) };
        const subjects = [...((have.subjects as unknown[] | undefined) ?? [])];
        for (const s of (want.subjects as unknown[] | undefined) ?? []) if (!subjects.some((h) => same(h, s))) subjects.push(s);
        if (subjects.length) next.subjects = subjects;
        return next;
      },
      log,
    ));
  }
  if (created) log.info('created the bootstrap RBAC roles and bindings', { created });
}
