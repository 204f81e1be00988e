import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors, isConflict } from '../api/errors.js';
import { disruptionAllowedCondition, type PodDisruptionBudget } from '../api/policy.js';
import { isPodReady, setCondition } from '../api/podutil.js';
import { selectorMatches } from '../api/selectors.js';
import type { Pod } from '../api/types.js';
import { isoTime, type Clock } from '../util/clock.js';
import { parseDeleteOptions } from './deleteOptions.js';
import { parseBody, readBody, sendJson } from './http.js';
import type { Registry } from './registry.js';
import type { RequestContext } from './requestContext.js';
import type { ResourceRoute } from './routes.js';

/** Upstream's MaxDisruptedPodSize: a budget tracking more evictions than this refuses new ones. */
const MAX_DISRUPTED_PODS = 2000;

const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";

function tooManyRequests(message: string): ApiError {
  return new ApiError(429, 'TooManyRequests', VIOLATION, { causes: [{ reason: 'DisruptionBudget', message, field: '' }] });
}

/**
 * `POST pods/NAME/eviction` (policy/v1 Eviction): deletes the pod unless that would take its
 * PodDisruptionBudget below what it allows, as kube-apiserver's eviction REST does. The budget's
 * `disruptionsAllowed` is decremented and the pod recorded in `disruptedPods` with a
 * compare-and-swap write before the delete, so concurrent evictions cannot both pass. A budget not
 * yet processed, or spent, answers 429 (kubectl drain retries every 5 s); a pod under two budgets
 * is a 500, as upstream. Pods that are not running (pending, finished, terminating) are deleted
 * without consulting any budget; unready pods follow `unhealthyPodEvictionPolicy`.
 */
export async function serveEviction(req: IncomingMessage, res: ServerResponse, deps: { registry: Registry; clock: Clock }, route: ResourceRoute, user: RequestContext): Promise<void> {
  if (req.method !== 'POST') throw errors.methodNotAllowed();
  const ns = route.namespace as string;
  const name = route.name as string;
  const body = (await parseBody(await readBody(req), req.headers['content-type'])) as { metadata?: { name?: unknown }; deleteOptions?: unknown } | null;
  if (!body || typeof body !== 'object') throw errors.badRequest('the request body must be an Eviction object');
  if (body.metadata?.name !== undefined && body.metadata.name !== name) throw errors.badRequest('name in URL does not match name in Eviction object');
  const deleteOpts = body.deleteOptions !== undefined && body.deleteOptions !== null ? parseDeleteOptions(body.deleteOptions, new URLSearchParams()) : {};

  for (let attempt = 0; ; attempt++) {
    const pod = await deps.registry.get<Pod>('pods', ns, name);
    const phase = pod.status?.phase;
    const ignoreBudget = phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata.deletionTimestamp;
    if (!ignoreBudget) {
      const pdbs = (await deps.registry.list<PodDisruptionBudget>('poddisruptionbudgets', { namespace: ns })).items.filter((p) => p.spec.selector && selectorMatches(p.spec.selector, pod.metadata.labels));
      if (pdbs.length > 1) throw new ApiError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
      const pdb = pdbs[0];
      if (pdb) {
        try {
          await admit(pdb, pod);
        } catch (e) {
          if (isConflict(e) && attempt < 20) continue;
          throw e;
        }
      }
    }
    if (deleteOpts.dryRun) return sendSuccess(res);
    await deps.registry.delete('pods', ns, name, { ...deleteOpts, user });
    return sendSuccess(res);
  }

  /** Takes one disruption from the budget (a CAS write: a 409 means try again), or throws 429. */
  async function admit(pdb: PodDisruptionBudget, pod: Pod): Promise<void> {
    const st = pdb.status ?? {};
    // An unready pod takes nothing from a budget that is already met (or from any, with AlwaysAllow).
    if (!isPodReady(pod)) {
      if (pdb.spec.unhealthyPodEvictionPolicy === 'AlwaysAllow') return;
      if ((st.currentHealthy ?? 0) >= (st.desiredHealthy ?? 0) && (st.desiredHealthy ?? 0) > 0) return;
    }
    if ((st.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) throw tooManyRequests(`The disruption budget ${pdb.metadata.name} is still being processed by the server.`);
    const allowed = st.disruptionsAllowed ?? 0;
    if (allowed < 0) throw new ApiError(403, 'Forbidden', 'pdb disruptions allowed is negative');
    if (Object.keys(st.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) throw new ApiError(403, 'Forbidden', 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
    if (allowed === 0) throw tooManyRequests(`The disruption budget ${pdb.metadata.name} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently`);
    const now = isoTime(deps.clock.now());
    const next = allowed - 1;
    const status = {
      ...st,
      disruptionsAllowed: next,
      disruptedPods: { ...st.disruptedPods, [pod.metadata.name as string]: now },
      conditions: next === 0 ? setCondition(st.conditions, disruptionAllowedCondition(0), now) : st.conditions,
    };
    if (deleteOpts.dryRun) return;
    // resourceVersion pins the write: a concurrent eviction (or the controller) makes it a 409.
    await deps.registry.update('poddisruptionbudgets', pdb.metadata.namespace, pdb.metadata.name as string, { ...pdb, status }, { subresource: 'status' });
  }
}

function sendSuccess(res: ServerResponse): void {
  sendJson(res, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
}
