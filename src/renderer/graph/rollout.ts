import type { Deployment } from '../../orchestrator/api/types.js';

/** Where a Deployment's rollout stands, as `kubectl rollout status` reads it; undefined once it has rolled out. */
export interface Rollout {
  /** Short, for its card: `rolling out: 1 of 3 updated`. */
  text: string;
  /** What `kubectl rollout status` would print, for a tooltip. */
  title: string;
  /** Its progress deadline passed (`ProgressDeadlineExceeded`): it will not finish on its own. */
  stuck: boolean;
}

/**
 * The rollout of `d`, in kubectl's order (`rollout status`'s DeploymentStatusViewer): a spec change
 * not yet observed, a progress deadline exceeded, new replicas still to update, old ones still to
 * go, updated ones not yet available. A paused Deployment says so too (it waits for `rollout
 * resume`). Undefined when it has rolled out and is not paused.
 */
export function rolloutOf(d: Deployment): Rollout | undefined {
  const s = d.status ?? {};
  const name = d.metadata.name ?? '';
  const paused = d.spec?.paused === true;
  const step = (text: string, title: string, stuck = false): Rollout => ({
    text: paused ? `paused, ${text}` : text,
    title: paused ? `${title} (paused: kubectl rollout resume deployment/${name})` : title,
    stuck,
  });
  const waiting = `Waiting for deployment "${name}" rollout to finish`;
  if ((d.metadata.generation ?? 0) > (s.observedGeneration ?? 0)) return step('rolling out: change not yet seen', 'Waiting for deployment spec update to be observed...');
  const progressing = s.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return step('rollout stuck: deadline passed', `deployment "${name}" exceeded its progress deadline${progressing.message ? `: ${progressing.message}` : ''}`, true);
  const want = d.spec?.replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  if (updated < want) return step(`rolling out: ${updated} of ${want} updated`, `${waiting}: ${updated} out of ${want} new replicas have been updated...`);
  const replicas = s.replicas ?? 0;
  const old = replicas - updated;
  if (old > 0) return step(`rolling out: ${old} old ${old === 1 ? 'pod' : 'pods'} to go`, `${waiting}: ${old} old replicas are pending termination...`);
  const available = s.availableReplicas ?? 0;
  if (available < updated) return step(`rolling out: ${available} of ${updated} available`, `${waiting}: ${available} of ${updated} updated replicas are available...`);
  return paused ? { text: 'paused', title: `deployment "${name}" is paused (kubectl rollout resume deployment/${name})`, stuck: false } : undefined;
}
