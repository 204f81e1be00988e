import type { Container, Pod } from '../../api/types.js';
import { isSidecar } from '../../api/podResources.js';
import { isTerminated, type Instance } from './containers.js';

/** Where the pod's initialization stands in its current sandbox. */
export interface InitPlan {
  /** Every regular init container succeeded and every sidecar started (in this sandbox). */
  initialized: boolean;
  /** Init containers to sync now: the sidecars so far, and the regular one running or to run. */
  sync: Container[];
  /** A regular init container failed and the pod's restartPolicy is Never: the pod failed. */
  failed?: string;
}

/** The newest run of each container in the current sandbox (`network`), if any. */
function newestIn(list: Instance[] | undefined, network: string): Instance | undefined {
  return list?.find((i) => i.details.networkMode === network);
}

/**
 * The kubelet's `computeInitContainerActions`, for one sandbox: walk the init containers in
 * order; a sidecar must be running and started (startup probe passed) before the next one starts;
 * a regular one must have exited 0. The first that is not there yet is the one to sync (start,
 * wait for, or restart with back-off); a regular one that failed ends the pod when its
 * restartPolicy is Never. A new sandbox (after the old one died) runs the init containers again,
 * as Kubernetes does, unless app containers already ran in it.
 */
export function planInit(pod: Pod, groups: Map<string, Instance[]>, network: string, started: (name: string, id: string) => boolean): InitPlan {
  const inits = pod.spec.initContainers ?? [];
  if (!inits.length) return { initialized: true, sync: [] };
  const appRan = pod.spec.containers.some((c) => newestIn(groups.get(c.name), network));
  const sync: Container[] = [];
  for (const c of inits) {
    const inst = newestIn(groups.get(c.name), network);
    if (isSidecar(c)) {
      sync.push(c);
      if (appRan) continue;
      if (inst?.details.running && started(c.name, inst.details.id)) continue;
      return { initialized: false, sync };
    }
    if (appRan) continue;
    if (inst && isTerminated(inst.details) && inst.details.exitCode === 0 && !(inst.details.state === 'created' && inst.details.error)) continue;
    if (inst && isTerminated(inst.details) && (pod.spec.restartPolicy ?? 'Always') === 'Never') return { initialized: false, sync, failed: c.name };
    sync.push(c);
    return { initialized: false, sync };
  }
  return { initialized: true, sync };
}

/** Whether a run of an init container should be replaced by a new one. */
export function initShouldRestart(pod: Pod, c: Container, i: Instance, network: string): boolean {
  if (isSidecar(c)) return true;
  if (i.details.networkMode !== network) return true;
  return i.details.exitCode !== 0 && (pod.spec.restartPolicy ?? 'Always') !== 'Never';
}
