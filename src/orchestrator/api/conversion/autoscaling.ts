import type { KubeObject } from '../types.js';

/**
 * HorizontalPodAutoscaler autoscaling/v1 <-> v2 (the stored version), as kube-apiserver converts
 * them: v1 carries only a CPU utilization target; everything else of v2 rides in annotations on the
 * v1 object (`autoscaling.alpha.kubernetes.io/metrics|behavior|conditions|current-metrics`), so a
 * v1 client that reads and writes an object back loses nothing.
 */

const A = 'autoscaling.alpha.kubernetes.io/';
const METRICS = `${A}metrics`;
const BEHAVIOR = `${A}behavior`;
const CONDITIONS = `${A}conditions`;
const CURRENT = `${A}current-metrics`;

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
}

function isCpuUtilization(m: unknown): boolean {
  const r = obj(obj(m)?.resource);
  return obj(m)?.type === 'Resource' && r?.name === 'cpu' && obj(r.target)?.type === 'Utilization';
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The stored (v2) object as autoscaling/v1 shows it. */
export function hpaToV1(v2: KubeObject): KubeObject {
  const spec = obj(v2.spec) ?? {};
  const status = obj(v2.status);
  const annotations: Record<string, string> = { ...(v2.metadata.annotations ?? {}) };
  const metrics = Array.isArray(spec.metrics) ? spec.metrics : [];
  const cpu = metrics.find(isCpuUtilization);
  const others = metrics.filter((m) => m !== cpu);
  if (others.length) annotations[METRICS] = JSON.stringify(others);
  if (spec.behavior !== undefined) annotations[BEHAVIOR] = JSON.stringify(spec.behavior);
  const outSpec: Obj = { scaleTargetRef: spec.scaleTargetRef, maxReplicas: spec.maxReplicas };
  if (spec.minReplicas !== undefined) outSpec.minReplicas = spec.minReplicas;
  const target = obj(obj(obj(cpu)?.resource)?.target)?.averageUtilization;
  if (typeof target === 'number') outSpec.targetCPUUtilizationPercentage = target;
  const out: KubeObject = { ...v2, apiVersion: 'autoscaling/v1', spec: outSpec };
  if (status) {
    const s: Obj = {};
    for (const k of ['observedGeneration', 'lastScaleTime', 'currentReplicas', 'desiredReplicas']) if (status[k] !== undefined) s[k] = status[k];
    const current = Array.isArray(status.currentMetrics) ? status.currentMetrics : [];
    const cpuNow = current.find((m) => obj(m)?.type === 'Resource' && obj(obj(m)?.resource)?.name === 'cpu');
    const util = obj(obj(obj(cpuNow)?.resource)?.current)?.averageUtilization;
    if (typeof util === 'number') s.currentCPUUtilizationPercentage = util;
    if (current.length) annotations[CURRENT] = JSON.stringify(current);
    if (Array.isArray(status.conditions) && status.conditions.length) annotations[CONDITIONS] = JSON.stringify(status.conditions);
    out.status = s;
  }
  out.metadata = { ...v2.metadata, ...(Object.keys(annotations).length ? { annotations } : {}) };
  return out;
}

/** An autoscaling/v1 object as stored (v2). Annotations written by {@link hpaToV1} are folded back. */
export function hpaFromV1(v1: KubeObject): KubeObject {
  const spec = obj(v1.spec) ?? {};
  const annotations = { ...(v1.metadata?.annotations ?? {}) };
  const metrics: unknown[] = [];
  if (typeof spec.targetCPUUtilizationPercentage === 'number') {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  }
  const extra = parseJson(annotations[METRICS]);
  if (Array.isArray(extra)) metrics.push(...extra.filter((m) => !isCpuUtilization(m)));
  const behavior = parseJson(annotations[BEHAVIOR]);
  const outSpec: Obj = { scaleTargetRef: spec.scaleTargetRef, maxReplicas: spec.maxReplicas };
  if (spec.minReplicas !== undefined) outSpec.minReplicas = spec.minReplicas;
  if (metrics.length) outSpec.metrics = metrics;
  if (obj(behavior)) outSpec.behavior = behavior;
  const status = obj(v1.status);
  let outStatus: Obj | undefined;
  if (status) {
    outStatus = {};
    for (const k of ['observedGeneration', 'lastScaleTime', 'currentReplicas', 'desiredReplicas']) if (status[k] !== undefined) outStatus[k] = status[k];
    const current = parseJson(annotations[CURRENT]);
    if (Array.isArray(current)) outStatus.currentMetrics = current;
    else if (typeof status.currentCPUUtilizationPercentage === 'number') {
      outStatus.currentMetrics = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: status.currentCPUUtilizationPercentage } } }];
    }
    const conditions = parseJson(annotations[CONDITIONS]);
    if (Array.isArray(conditions)) outStatus.conditions = conditions;
  }
  for (const k of [METRICS, BEHAVIOR, CONDITIONS, CURRENT]) delete annotations[k];
  const metadata = { ...(v1.metadata ?? {}) };
  if (Object.keys(annotations).length) metadata.annotations = annotations;
  else delete metadata.annotations;
  const out: KubeObject = { ...v1, apiVersion: 'autoscaling/v2', metadata, spec: outSpec };
  if (outStatus) out.status = outStatus;
  else delete out.status;
  return out;
}
