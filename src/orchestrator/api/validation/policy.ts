import type { KubeObject, StatusCause } from '../types.js';
import { asObj, enumOf, invalid } from './causes.js';

function intOrPercent(v: unknown, path: string): StatusCause[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'number') return v < 0 ? [invalid(path, v, 'must be greater than or equal to 0')] : [];
  if (typeof v === 'string') {
    const m = /^([0-9]+)%$/.exec(v);
    if (!m) return [invalid(path, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
    return Number(m[1]) > 100 ? [invalid(path, v, 'must not be greater than 100%')] : [];
  }
  return [invalid(path, v, 'must be an integer or percentage (e.g \'5%\')')];
}

/** pkg/apis/policy/validation: ValidatePodDisruptionBudgetSpec, with its messages. */
export function validatePodDisruptionBudget(o: KubeObject): StatusCause[] {
  const spec = asObj(o.spec) ?? {};
  const out: StatusCause[] = [];
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    out.push(invalid('spec', spec, 'minAvailable and maxUnavailable cannot be both set'));
  }
  out.push(...intOrPercent(spec.minAvailable, 'spec.minAvailable'));
  out.push(...intOrPercent(spec.maxUnavailable, 'spec.maxUnavailable'));
  out.push(...enumOf('spec.unhealthyPodEvictionPolicy', spec.unhealthyPodEvictionPolicy, ['IfHealthyBudget', 'AlwaysAllow']));
  return out;
}

const HIGHEST_USER_PRIORITY = 1_000_000_000;
const SYSTEM_CLASSES: Record<string, number> = { 'system-node-critical': 2000001000, 'system-cluster-critical': 2000000000 };

/** pkg/apis/scheduling/validation: ValidatePriorityClass. */
export function validatePriorityClass(o: KubeObject): StatusCause[] {
  const pc = o as KubeObject & { value?: unknown; preemptionPolicy?: unknown };
  const name = o.metadata.name ?? '';
  const out: StatusCause[] = [];
  if (typeof pc.value !== 'number' || !Number.isInteger(pc.value)) out.push({ reason: 'FieldValueRequired', message: 'Required value', field: 'value' });
  else if (name in SYSTEM_CLASSES) {
    if (pc.value !== SYSTEM_CLASSES[name]) out.push(invalid('value', pc.value, `value of system priority class ${name} must be ${SYSTEM_CLASSES[name]}`));
  } else {
    if (name.startsWith('system-')) out.push({ reason: 'FieldValueForbidden', message: "Forbidden: priority class names with 'system-' prefix are reserved for system use only", field: 'metadata.name' });
    if (pc.value > HIGHEST_USER_PRIORITY) out.push({ reason: 'FieldValueForbidden', message: `Forbidden: maximum allowed value of a user defined priority is ${HIGHEST_USER_PRIORITY}`, field: 'value' });
  }
  out.push(...enumOf('preemptionPolicy', pc.preemptionPolicy, ['PreemptLowerPriority', 'Never']));
  return out;
}
