import { errors } from '../../api/errors.js';
import { resourceType } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import { forbidden } from '../../api/validation/causes.js';
import { podSpecWarnings } from '../../api/podSupport.js';
import type { ObjectReader } from '../objects.js';
import { admitPod } from '../authz/nodeRestriction.js';
import { admitServiceAccount, serviceAccountWarnings } from './serviceAccountAdmission.js';
import { admitPodPriority } from './priorityClasses.js';
import { admitLimitRangeDefaults, checkLimitRanges } from './limitRanges.js';
import { qosClass } from '../../api/defaults/podSpec.js';
import type { Strategy } from './types.js';

/**
 * Pods: on create, the ServiceAccount admission (API token volume, pull secrets; see
 * serviceAccountAdmission.ts); on create and update, a warning for each field Skiff accepts but does
 * not act on (api/podSupport.ts). A DELETE of a pod that runs on a node is graceful: the pod is
 * marked and stays while its node's agent stops the containers (`spec.terminationGracePeriodSeconds`,
 * default 30 s, or the request's `gracePeriodSeconds`), then the agent deletes it with grace 0.
 * Unbound or finished pods have nothing to stop and go at once. A node's credential creates only
 * mirror pods, and changes the status of and deletes only pods bound to it (NodeRestriction).
 */
export function podStrategy(objects: ObjectReader): Strategy {
  return {
    async prepareForCreate(obj) {
      // Added later through pods/NAME/ephemeralcontainers (`kubectl debug`), never with the pod.
      const ephemeral = (obj.spec as { ephemeralContainers?: unknown[] } | undefined)?.ephemeralContainers;
      if (Array.isArray(ephemeral) && ephemeral.length > 0) throw errors.invalid(resourceType('pods'), obj.metadata.name ?? '', [forbidden('spec.ephemeralContainers', 'cannot be set on create')]);
      applySchedulingGatedCondition(obj);
      await admitServiceAccount(obj, objects);
      await admitPodPriority(objects, obj);
      // Resources it gained change its QoS class (computed by the defaults before).
      if (await admitLimitRangeDefaults(objects, obj)) ((obj.status ??= {}) as { qosClass?: string }).qosClass = qosClass((obj.spec ?? {}) as Record<string, unknown>);
    },
    async admit(obj, current, req) {
      admitPod(req, current ? 'update' : 'create', obj, current);
      // Containers never change after the create: only a create is checked (as the LimitRanger).
      if (!current) await checkLimitRanges(objects, 'pods', obj);
    },
    admitDelete: (obj, req) => admitPod(req, 'delete', obj, obj),
    async warnings(obj, current) {
      const spec = obj.spec as Record<string, unknown> | undefined;
      return [...podSpecWarnings(spec), ...(current ? [] : await serviceAccountWarnings(obj, objects))];
    },
    deletion(obj: KubeObject, opts) {
      const spec = obj.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
      const phase = (obj.status as { phase?: string } | undefined)?.phase;
      if (!spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return { gracePeriodSeconds: 0 };
      return { gracePeriodSeconds: opts.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30 };
    },
  };
}

/**
 * A pod created with scheduling gates waits, unscheduled, until the last one is removed: it cannot
 * name its node meanwhile (ValidatePodCreate), and says why it waits (kube-apiserver's
 * applySchedulingGatedCondition; `kubectl get pods` shows `SchedulingGated`).
 */
function applySchedulingGatedCondition(pod: KubeObject): void {
  const spec = pod.spec as { schedulingGates?: unknown[]; nodeName?: string } | undefined;
  if (!spec?.schedulingGates?.length) return;
  if (spec.nodeName) throw errors.invalid(resourceType('pods'), pod.metadata.name ?? '', [forbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared')]);
  const status = (pod.status ??= {}) as { conditions?: Record<string, unknown>[] };
  if (status.conditions?.some((c) => c.type === 'PodScheduled')) return;
  status.conditions = [
    ...(status.conditions ?? []),
    { type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: null, reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' },
  ];
}

/**
 * Workloads (Deployment, ReplicaSet, ReplicationController, DaemonSet, StatefulSet, Job, and a
 * CronJob's job template): their pod template's warnings, at the template's path.
 */
export function podTemplateStrategy(path: readonly string[] = ['spec', 'template', 'spec']): Strategy {
  return {
    warnings(obj) {
      let at: unknown = obj;
      for (const k of path) at = (at as Record<string, unknown> | undefined)?.[k];
      return podSpecWarnings(at && typeof at === 'object' && !Array.isArray(at) ? (at as Record<string, unknown>) : undefined, path.join('.'));
    },
  };
}
