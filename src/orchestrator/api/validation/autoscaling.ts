import { isQuantity, parseQuantity } from '../quantity.js';
import type { KubeObject, StatusCause } from '../types.js';
import { asArr, asNum, asObj, asStr, enumOf, invalid, notSupported, required, type Obj } from './causes.js';

const METRIC_TYPES = ['Resource', 'ContainerResource', 'Pods', 'Object', 'External'] as const;
const TARGET_TYPES = ['Utilization', 'Value', 'AverageValue'] as const;

function target(t: Obj | undefined, path: string, resource: boolean): StatusCause[] {
  if (!t) return [required(path)];
  const out: StatusCause[] = [];
  const type = asStr(t.type);
  if (!type) out.push(required(`${path}.type`, 'must specify a metric target type'));
  else if (!(TARGET_TYPES as readonly string[]).includes(type)) out.push(notSupported(`${path}.type`, type, TARGET_TYPES));
  if (type === 'Utilization') {
    const u = asNum(t.averageUtilization);
    if (u === undefined) out.push(required(`${path}.averageUtilization`, 'must set a target utilization'));
    else if (u <= 0) out.push(invalid(`${path}.averageUtilization`, u, 'must be greater than 0'));
  }
  if (type === 'AverageValue') {
    if (t.averageValue === undefined) out.push(required(`${path}.averageValue`, 'must set a target average value'));
    else if (!isQuantity(t.averageValue) || parseQuantity(t.averageValue) <= 0) out.push(invalid(`${path}.averageValue`, t.averageValue, 'must be positive'));
  }
  if (type === 'Value') {
    if (resource) out.push(invalid(`${path}.type`, type, 'must be either Utilization or AverageValue for a resource metric'));
    else if (t.value === undefined) out.push(required(`${path}.value`, 'must set a target value'));
  }
  return out;
}

function metric(m: Obj, path: string): StatusCause[] {
  const type = asStr(m.type);
  if (!type) return [required(`${path}.type`, 'must specify a metric source type')];
  if (!(METRIC_TYPES as readonly string[]).includes(type)) return [notSupported(`${path}.type`, type, METRIC_TYPES)];
  const key = type === 'ContainerResource' ? 'containerResource' : type.toLowerCase();
  const src = asObj(m[key]);
  if (!src) return [required(`${path}.${key}`, `must populate information for the given metric source`)];
  const out: StatusCause[] = [];
  if (type === 'Resource' || type === 'ContainerResource') {
    const name = asStr(src.name);
    if (!name) out.push(required(`${path}.${key}.name`, 'must specify a resource name'));
    else if (name !== 'cpu' && name !== 'memory') out.push(notSupported(`${path}.${key}.name`, name, ['cpu', 'memory']));
    if (type === 'ContainerResource' && !asStr(src.container)) out.push(required(`${path}.${key}.container`, 'must specify a container'));
    out.push(...target(asObj(src.target), `${path}.${key}.target`, true));
  } else {
    if (!asStr(asObj(src.metric)?.name)) out.push(required(`${path}.${key}.metric.name`, 'must specify a metric name'));
    out.push(...target(asObj(src.target), `${path}.${key}.target`, false));
  }
  return out;
}

function rules(r: Obj | undefined, path: string): StatusCause[] {
  if (!r) return [];
  const out: StatusCause[] = [];
  const w = asNum(r.stabilizationWindowSeconds);
  if (w !== undefined && (w < 0 || w > 3600)) out.push(invalid(`${path}.stabilizationWindowSeconds`, w, 'must be less than or equal to 3600 and greater than or equal to 0'));
  out.push(...enumOf(`${path}.selectPolicy`, r.selectPolicy, ['Max', 'Min', 'Disabled']));
  const policies = asArr(r.policies);
  if (r.policies !== undefined && policies.length === 0 && r.selectPolicy !== 'Disabled') out.push(required(`${path}.policies`, 'must specify at least one Policy'));
  policies.forEach((p, i) => {
    const po = asObj(p) ?? {};
    const pp = `${path}.policies[${i}]`;
    out.push(...enumOf(`${pp}.type`, po.type, ['Pods', 'Percent']));
    if (po.type === undefined) out.push(required(`${pp}.type`));
    const v = asNum(po.value);
    if (v === undefined || v <= 0) out.push(invalid(`${pp}.value`, po.value, 'must be greater than zero'));
    const s = asNum(po.periodSeconds);
    if (s === undefined || s <= 0) out.push(invalid(`${pp}.periodSeconds`, po.periodSeconds, 'must be greater than zero'));
    else if (s > 1800) out.push(invalid(`${pp}.periodSeconds`, s, 'must be less than or equal to 1800'));
  });
  return out;
}

/** pkg/apis/autoscaling/validation: ValidateHorizontalPodAutoscaler, with its messages. */
export function validateHorizontalPodAutoscaler(o: KubeObject): StatusCause[] {
  const spec = asObj(o.spec);
  if (!spec) return [required('spec')];
  const out: StatusCause[] = [];
  const ref = asObj(spec.scaleTargetRef);
  if (!ref) out.push(required('spec.scaleTargetRef'));
  else {
    if (!asStr(ref.kind)) out.push(required('spec.scaleTargetRef.kind'));
    const name = asStr(ref.name);
    if (!name) out.push(required('spec.scaleTargetRef.name'));
    else if (name.includes('/') || name === '.' || name === '..') out.push(invalid('spec.scaleTargetRef.name', name, 'may not contain "/" or be "." or ".."'));
  }
  const min = asNum(spec.minReplicas);
  if (min !== undefined && min < 1) out.push(invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  const max = asNum(spec.maxReplicas);
  if (max === undefined) out.push(required('spec.maxReplicas'));
  else if (max < 1) out.push(invalid('spec.maxReplicas', max, 'must be greater than 0'));
  else if (min !== undefined && max < min) out.push(invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  asArr(spec.metrics).forEach((m, i) => out.push(...metric(asObj(m) ?? {}, `spec.metrics[${i}]`)));
  const b = asObj(spec.behavior);
  if (b) {
    out.push(...rules(asObj(b.scaleUp), 'spec.behavior.scaleUp'));
    out.push(...rules(asObj(b.scaleDown), 'spec.behavior.scaleDown'));
  }
  return out;
}
