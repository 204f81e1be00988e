import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus } from '../api/autoscaling.js';
import { isNotFound } from '../api/errors.js';
import { deepEqual, setCondition } from '../api/podutil.js';
import { formatCpu, formatMemory, milliValue } from '../api/quantity.js';
import { objectKey, RESOURCES } from '../api/resources.js';
import { fromLabelSelector, matches } from '../api/selectors.js';
import type { Condition, KubeObject, LabelSelector, Pod } from '../api/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import type { MetricsSource } from '../client/metricsSource.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';
import { RequeueAfter } from '../client/WorkQueue.js';
import { isoTime } from '../util/clock.js';
import { BehaviorState } from './podautoscalerbehavior.js';
import { MetricsError, podRequests, replicasFor, resourceMetrics, type CalculatorOptions, type ResourceName } from './podautoscalerreplicas.js';

const COMPONENT = 'horizontal-pod-autoscaler';

export interface PodAutoscalerOptions {
  /** Where pod usage comes from (the control plane's in-memory metrics); absent: every metric fails. */
  metrics?: MetricsSource;
  /** `--horizontal-pod-autoscaler-sync-period` (15 s). */
  syncPeriodMs?: number;
  tolerance?: number;
  cpuInitializationPeriodMs?: number;
  initialReadinessDelayMs?: number;
}

type Scalable = KubeObject & { spec: { replicas?: number; selector?: LabelSelector } };

interface MetricResult {
  replicas: number;
  status: MetricStatus;
  /** How the event names it: `cpu resource utilization (percentage of request)`. */
  name: string;
}

/**
 * The HorizontalPodAutoscaler controller (kube-controller-manager's podautoscaler): every sync
 * period, for each HPA, reads its target's scale (`spec.replicas`, `spec.selector`), computes a
 * replica count per metric from the pods' last usage sample (Resource and ContainerResource, on
 * Utilization or AverageValue), takes the largest, applies `behavior` (stabilization windows,
 * rate policies) and min/max, writes the target's `spec.replicas`, and reports `status` with the
 * AbleToScale / ScalingActive / ScalingLimited conditions and SuccessfulRescale events. Pods,
 * Object and External metrics need a custom metrics API, which Skiff does not serve: they fail as
 * they do on a cluster without one (ScalingActive=False, FailedGetPodsMetric...).
 */
export function startPodAutoscalerController(ctx: ControllerContext, opts: PodAutoscalerOptions = {}): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: COMPONENT });
  const recorder = ctx.recorder(COMPONENT);
  const hpaInf = informers.get<HorizontalPodAutoscaler>('horizontalpodautoscalers');
  const podInf = informers.get<Pod>('pods');
  const period = opts.syncPeriodMs ?? 15_000;
  const behavior = new BehaviorState();

  const reconcile = async (key: string): Promise<void> => {
    const hpa = hpaInf.get(key);
    if (!hpa) {
      behavior.forget(key);
      return;
    }
    await reconcileAutoscaler(key, structuredClone(hpa));
    throw new RequeueAfter(period);
  };

  async function reconcileAutoscaler(key: string, hpa: HorizontalPodAutoscaler): Promise<void> {
    const now = clock.now();
    const iso = isoTime(now);
    let conditions = hpa.status?.conditions;
    const cond = (type: string, status: Condition['status'], reason: string, message: string) => {
      conditions = setCondition(conditions, { type, status, reason, message }, iso);
    };
    const ns = hpa.metadata.namespace as string;
    const ref = hpa.spec.scaleTargetRef;
    const group = (ref.apiVersion ?? '').includes('/') ? (ref.apiVersion as string).split('/')[0] : '';
    const r = RESOURCES.find((x) => x.kind === ref.kind && x.group === group && x.subresources.includes('scale'));
    let target: Scalable | undefined;
    let scaleError: string | undefined;
    if (!r) scaleError = `the HPA controller was unable to get the target's current scale: no matches for kind "${ref.kind}" in group "${group}"`;
    else {
      try {
        target = await client.get<Scalable>(r.resource, ns, ref.name);
      } catch (e) {
        if (!isNotFound(e)) throw e;
        scaleError = `the HPA controller was unable to get the target's current scale: ${(e as Error).message}`;
      }
    }
    if (!target || !r) {
      cond('AbleToScale', 'False', 'FailedGetScale', scaleError ?? '');
      recorder.record(hpa, 'Warning', 'FailedGetScale', scaleError ?? '');
      await writeStatus(hpa, { ...hpa.status, conditions });
      return;
    }
    cond('AbleToScale', 'True', 'SucceededGetScale', 'the HPA controller was able to get the target\'s current scale');
    const current = target.spec.replicas ?? 1;
    const min = hpa.spec.minReplicas ?? 1;
    const max = hpa.spec.maxReplicas;
    let desired = 0;
    let rescaleReason = '';
    let statuses: MetricStatus[] | undefined = hpa.status?.currentMetrics;

    if (current === 0 && min !== 0) {
      cond('ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero');
    } else if (current > max) {
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
      desired = max;
    } else if (current < min) {
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
      desired = min;
    } else {
      const computed = computeReplicas(hpa, target, current, now);
      statuses = computed.statuses;
      if (computed.error) {
        cond(computed.error.type, 'False', computed.error.reason, computed.error.message);
        recorder.record(hpa, 'Warning', 'FailedComputeMetricsReplicas', `invalid metrics (${computed.invalid} invalid out of ${hpa.spec.metrics?.length ?? 0}), first error is: ${computed.error.message}`);
        await writeStatus(hpa, { ...hpa.status, currentReplicas: current, desiredReplicas: hpa.status?.desiredReplicas ?? current, currentMetrics: statuses, conditions });
        return;
      }
      cond('ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${computed.name}`);
      desired = computed.replicas;
      const n = behavior.normalize(key, hpa, current, desired, now);
      cond('AbleToScale', 'True', n.ableReason, n.ableMessage);
      cond('ScalingLimited', n.limited ? 'True' : 'False', n.limitReason, n.limitMessage);
      rescaleReason = desired > current ? `${computed.name} above target` : 'All metrics below target';
      desired = n.replicas;
    }

    const rescale = desired !== current && !(current === 0 && min !== 0);
    let lastScaleTime = hpa.status?.lastScaleTime;
    if (rescale) {
      try {
        await client.patch(r.resource, ns, ref.name, 'merge', { spec: { replicas: desired } });
      } catch (e) {
        const msg = `the HPA controller was unable to update the target scale: ${(e as Error).message}`;
        cond('AbleToScale', 'False', 'FailedUpdateScale', msg);
        recorder.record(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${rescaleReason}; error: ${(e as Error).message}`);
        await writeStatus(hpa, { ...hpa.status, currentReplicas: current, desiredReplicas: desired, currentMetrics: statuses, conditions });
        throw e;
      }
      cond('AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`);
      recorder.record(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${rescaleReason}`);
      behavior.recordScale(key, hpa, current, desired, now);
      lastScaleTime = iso;
      log.info('rescaled', { hpa: key, from: current, to: desired, reason: rescaleReason });
    } else {
      desired = current;
    }
    await writeStatus(hpa, {
      observedGeneration: hpa.metadata.generation,
      ...(lastScaleTime ? { lastScaleTime } : {}),
      currentReplicas: current,
      desiredReplicas: desired,
      ...(statuses?.length ? { currentMetrics: statuses } : {}),
      conditions,
    });
  }

  function computeReplicas(hpa: HorizontalPodAutoscaler, target: Scalable, current: number, now: number) {
    const specs = hpa.spec.metrics ?? [];
    const selector = target.spec.selector;
    const pods = selector ? podInf.byIndex('namespace', hpa.metadata.namespace as string).filter((p) => matches(fromLabelSelector(selector), p.metadata.labels)) : [];
    const calc: CalculatorOptions = { now, tolerance: opts.tolerance, cpuInitializationPeriodMs: opts.cpuInitializationPeriodMs, initialReadinessDelayMs: opts.initialReadinessDelayMs };
    let best: MetricResult | undefined;
    const statuses: MetricStatus[] = [];
    let invalid = 0;
    let error: { type: string; reason: string; message: string } | undefined;
    for (const spec of specs) {
      try {
        if (!selector) throw new MetricsError('selector is required');
        const res = computeMetric(spec, pods, current, calc);
        statuses.push(res.status);
        if (!best || res.replicas > best.replicas) best = res;
      } catch (e) {
        if (!(e instanceof MetricsError)) throw e;
        invalid++;
        statuses.push({ type: spec.type });
        const reason = spec.type === 'Resource' ? 'FailedGetResourceMetric' : spec.type === 'ContainerResource' ? 'FailedGetContainerResourceMetric' : `FailedGet${spec.type}Metric`;
        error ??= { type: 'ScalingActive', reason, message: `the HPA was unable to compute the replica count: ${e.message}` };
      }
    }
    // Every metric failed, or some did and the rest would scale down: hold, as upstream.
    if (!best || (invalid > 0 && best.replicas < current)) return { replicas: -1, name: '', statuses: statuses.filter((s) => s.resource || s.containerResource), invalid, error: error ?? { type: 'ScalingActive', reason: 'InvalidMetricSourceType', message: 'no metrics' } };
    return { replicas: best.replicas, name: best.name, statuses, invalid, error: undefined };
  }

  function computeMetric(spec: MetricSpec, pods: Pod[], current: number, calc: CalculatorOptions): MetricResult {
    const src = spec.type === 'Resource' ? spec.resource : spec.type === 'ContainerResource' ? spec.containerResource : undefined;
    if (!src) throw new MetricsError(`unable to get metric ${metricName(spec)}: no custom metrics API (custom.metrics.k8s.io) or external metrics API (external.metrics.k8s.io) is served`);
    const resource = src.name as ResourceName;
    const container = spec.type === 'ContainerResource' ? spec.containerResource?.container : undefined;
    const source = opts.metrics;
    if (!source) throw new MetricsError(`unable to get metrics for resource ${resource}: no metrics source`);
    const metrics = resourceMetrics(pods, (p) => source.podMetrics(p.metadata.namespace as string, p.metadata.name as string), resource, container);
    if (metrics.size === 0 && pods.length > 0) throw new MetricsError(`unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`);
    const fmt = (milli: number) => (resource === 'cpu' ? formatCpu(milli) : formatMemory(Math.round(milli / 1000)));
    const what = container ? `${resource} container resource` : `${resource} resource`;
    const key = container ? 'containerResource' : 'resource';
    const ident = container ? { name: resource, container } : { name: resource };
    if (src.target.type === 'Utilization') {
      const requests = podRequests(pods, resource, milliValue, container);
      const p = replicasFor(current, pods, metrics, resource, src.target.averageUtilization ?? 0, requests, calc);
      return { replicas: p.replicas, name: `${what} utilization (percentage of request)`, status: { type: spec.type, [key]: { ...ident, current: { averageUtilization: p.utilization, averageValue: fmt(p.averageValue) } } } as MetricStatus };
    }
    const targetMilli = milliValue(src.target.averageValue ?? 0);
    const p = replicasFor(current, pods, metrics, resource, targetMilli, undefined, calc);
    return { replicas: p.replicas, name: what, status: { type: spec.type, [key]: { ...ident, current: { averageValue: fmt(p.averageValue) } } } as MetricStatus };
  }

  async function writeStatus(hpa: HorizontalPodAutoscaler, status: NonNullable<HorizontalPodAutoscaler['status']>): Promise<void> {
    if (deepEqual(hpa.status ?? {}, status)) return;
    await client.updateStatus('horizontalpodautoscalers', { ...hpa, status });
  }

  const loop = runLoop(COMPONENT, reconcile, { clock, log, ready: informers.waitForSync(['horizontalpodautoscalers', 'pods']) });
  const keyOf = (o: KubeObject) => objectKey(o.metadata.namespace, o.metadata.name ?? '');
  hpaInf.addHandlers({
    onAdd: (h) => loop.enqueue(keyOf(h)),
    onUpdate: (o, h) => {
      if (o.metadata.generation !== h.metadata.generation) loop.enqueue(keyOf(h));
    },
    onDelete: (h) => loop.enqueue(keyOf(h)),
  });
  return loop;
}

function metricName(spec: MetricSpec): string {
  return spec.pods?.metric.name ?? spec.object?.metric.name ?? spec.external?.metric.name ?? spec.type;
}
