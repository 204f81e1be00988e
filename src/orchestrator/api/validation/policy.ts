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
