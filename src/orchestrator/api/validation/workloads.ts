import { selectorMatches } from '../selectors.js';
import type { KubeObject, LabelSelector, StatusCause } from '../types.js';
import { asArr, asNum, asObj, asStr, each, enumOf, forbidden, goStringMap, invalid, nonNegative, notSupported, positive, required, type Obj } from './causes.js';
import { validateAnnotations, validateLabels } from './meta.js';
import { labelValue, qualifiedName } from './names.js';
import { validatePodSpec } from './pod.js';

const SELECTOR_OPS = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/** ValidateLabelSelector: operators, values per operator, key and value syntax. */
export function validateLabelSelector(sel: Obj, path: string): StatusCause[] {
  const causes: StatusCause[] = [];
  const ml = asObj(sel.matchLabels);
  if (ml) {
    for (const [k, v] of Object.entries(ml)) {
      causes.push(...each(`${path}.matchLabels`, k, qualifiedName(k)));
      if (typeof v === 'string') causes.push(...each(`${path}.matchLabels`, v, labelValue(v)));
    }
  }
  asArr(sel.matchExpressions).forEach((raw, i) => {
    const e = asObj(raw);
    const p = `${path}.matchExpressions[${i}]`;
    if (!e) return;
    const op = asStr(e.operator);
    const values = asArr(e.values);
    if (op !== undefined && !SELECTOR_OPS.includes(op)) causes.push(invalid(`${p}.operator`, op, 'not a valid selector operator'));
    if ((op === 'In' || op === 'NotIn') && values.length === 0) {
      causes.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    }
    if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) {
      causes.push(forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    }
    if (typeof e.key === 'string') causes.push(...each(`${p}.key`, e.key, qualifiedName(e.key)));
  });
  return causes;
}

interface TemplateRules {
  /** Allowed `restartPolicy` values of the pod template. */
  restartPolicies: readonly string[];
  /** The selector may be absent (Jobs generate theirs). */
  selectorOptional?: boolean;
  /** Jobs word the mismatch differently. */
  kind: string;
}

/** Selector + template + their agreement, shared by Deployment, ReplicaSet, DaemonSet, StatefulSet, Job. */
function validateSelectorAndTemplate(spec: Obj, rules: TemplateRules): StatusCause[] {
  const causes: StatusCause[] = [];
  const sel = asObj(spec.selector);
  let selectorOk = false;
  if (!sel) {
    if (!rules.selectorOptional) causes.push(required('spec.selector'));
  } else {
    const selCauses = validateLabelSelector(sel, 'spec.selector');
    causes.push(...selCauses);
    const empty = !asObj(sel.matchLabels) && asArr(sel.matchExpressions).length === 0;
    const emptyMap = Object.keys(asObj(sel.matchLabels) ?? {}).length === 0 && asArr(sel.matchExpressions).length === 0;
    if (empty || emptyMap) causes.push(invalid('spec.selector', sel, `empty selector is invalid for ${rules.kind.toLowerCase()}`));
    else selectorOk = selCauses.length === 0;
  }
  // A missing template is a zero-valued struct upstream: its contents are what get reported.
  const template = asObj(spec.template) ?? {};
  const tmeta = asObj(template.metadata) ?? {};
  causes.push(...validateLabels('spec.template.metadata.labels', tmeta.labels));
  causes.push(...validateAnnotations('spec.template.metadata.annotations', tmeta.annotations));
  const labels = asObj(tmeta.labels) as Record<string, string> | undefined;
  if (selectorOk && sel && !selectorMatches(sel as LabelSelector, labels)) {
    causes.push({
      reason: 'FieldValueInvalid',
      message: `Invalid value: ${goStringMap(labels)}: \`selector\` does not match template \`labels\``,
      field: 'spec.template.metadata.labels',
    });
  }
  const podSpec = asObj(template.spec) ?? {};
  causes.push(...validatePodSpec(podSpec, 'spec.template.spec'));
  const rp = podSpec.restartPolicy;
  if (typeof rp === 'string' && !rules.restartPolicies.includes(rp)) causes.push(notSupported('spec.template.spec.restartPolicy', rp, rules.restartPolicies));
  if (typeof podSpec.activeDeadlineSeconds === 'number' && rules.kind !== 'Job') {
    causes.push(forbidden('spec.template.spec.activeDeadlineSeconds', 'activeDeadlineSeconds in ReplicaSet is not Supported'));
  }
  return causes;
}

/** An int-or-percent value of a rolling update (`maxSurge`, `maxUnavailable`). */
function intOrPercent(v: unknown, path: string): StatusCause[] {
  if (v === undefined || v === null) return [];
  if (typeof v === 'number') return nonNegative(path, v);
  if (typeof v === 'string') {
    const m = /^(\d+)%$/.exec(v);
    if (!m) return [invalid(path, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
    if (Number(m[1]) > 100) return [invalid(path, v, 'must not be greater than 100%')];
  }
  return [];
}

function isZero(v: unknown): boolean {
  return v === 0 || v === '0%';
}

export function validateDeployment(obj: KubeObject): StatusCause[] {
  const spec = asObj(obj.spec) ?? {};
  const causes = [...nonNegative('spec.replicas', spec.replicas), ...validateSelectorAndTemplate(spec, { restartPolicies: ['Always'], kind: 'Deployment' })];
  const strategy = asObj(spec.strategy);
  if (strategy) {
    causes.push(...enumOf('spec.strategy.type', strategy.type, ['Recreate', 'RollingUpdate']));
    const ru = asObj(strategy.rollingUpdate);
    if (strategy.type === 'Recreate' && ru) causes.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
    if (ru) {
      causes.push(...intOrPercent(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable'));
      causes.push(...intOrPercent(ru.maxSurge, 'spec.strategy.rollingUpdate.maxSurge'));
      if (isZero(ru.maxUnavailable) && isZero(ru.maxSurge)) {
        causes.push(invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
      }
    }
  }
  causes.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  causes.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  const pds = asNum(spec.progressDeadlineSeconds);
  if (pds !== undefined && pds <= (asNum(spec.minReadySeconds) ?? 0)) {
    causes.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  return causes;
}

export function validateReplicaSet(obj: KubeObject): StatusCause[] {
  const spec = asObj(obj.spec) ?? {};
  return [
    ...nonNegative('spec.replicas', spec.replicas),
    ...nonNegative('spec.minReadySeconds', spec.minReadySeconds),
    ...validateSelectorAndTemplate(spec, { restartPolicies: ['Always'], kind: 'ReplicaSet' }),
  ];
}

export function validateDaemonSet(obj: KubeObject): StatusCause[] {
  const spec = asObj(obj.spec) ?? {};
  const causes = validateSelectorAndTemplate(spec, { restartPolicies: ['Always'], kind: 'DaemonSet' });
  const us = asObj(spec.updateStrategy);
  if (us) {
    causes.push(...enumOf('spec.updateStrategy.type', us.type, ['OnDelete', 'RollingUpdate']));
    const ru = asObj(us.rollingUpdate);
    if (ru) {
      causes.push(...intOrPercent(ru.maxUnavailable, 'spec.updateStrategy.rollingUpdate.maxUnavailable'));
      causes.push(...intOrPercent(ru.maxSurge, 'spec.updateStrategy.rollingUpdate.maxSurge'));
      if (isZero(ru.maxUnavailable) && isZero(ru.maxSurge)) {
        causes.push(invalid('spec.updateStrategy.rollingUpdate.maxUnavailable', ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0'));
      }
    }
  }
  causes.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  return causes;
}

export function validateStatefulSet(obj: KubeObject): StatusCause[] {
  const spec = asObj(obj.spec) ?? {};
  const causes = [...nonNegative('spec.replicas', spec.replicas), ...validateSelectorAndTemplate(withClaimVolumes(spec), { restartPolicies: ['Always'], kind: 'StatefulSet' })];
  causes.push(...enumOf('spec.podManagementPolicy', spec.podManagementPolicy, ['OrderedReady', 'Parallel']));
  const us = asObj(spec.updateStrategy);
  if (us) {
    causes.push(...enumOf('spec.updateStrategy.type', us.type, ['OnDelete', 'RollingUpdate']));
    const ru = asObj(us.rollingUpdate);
    if (ru) causes.push(...nonNegative('spec.updateStrategy.rollingUpdate.partition', ru.partition));
  }
  causes.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  return causes;
}

/**
 * The spec as the pods will have it: containers mount `volumeClaimTemplates` by name, and the
 * controller adds a `persistentVolumeClaim` volume for each, so mounts naming them are valid.
 */
function withClaimVolumes(spec: Record<string, unknown>): Record<string, unknown> {
  const names = (Array.isArray(spec.volumeClaimTemplates) ? spec.volumeClaimTemplates : []).map((t) => asObj(asObj(t)?.metadata)?.name).filter((n): n is string => typeof n === 'string');
  const template = asObj(spec.template);
  const podSpec = asObj(template?.spec);
  if (names.length === 0 || !template || !podSpec) return spec;
  const volumes = Array.isArray(podSpec.volumes) ? podSpec.volumes : [];
  const have = new Set(volumes.map((v) => asObj(v)?.name));
  const extra = names.filter((n) => !have.has(n)).map((name) => ({ name, persistentVolumeClaim: { claimName: name } }));
  return { ...spec, template: { ...template, spec: { ...podSpec, volumes: [...volumes, ...extra] } } };
}

export function validateJob(obj: KubeObject): StatusCause[] {
  const spec = asObj(obj.spec) ?? {};
  const causes: StatusCause[] = [];
  for (const f of ['parallelism', 'completions', 'backoffLimit']) causes.push(...nonNegative(`spec.${f}`, spec[f]));
  causes.push(...positive('spec.activeDeadlineSeconds', spec.activeDeadlineSeconds));
  causes.push(...nonNegative('spec.ttlSecondsAfterFinished', spec.ttlSecondsAfterFinished));
  causes.push(...enumOf('spec.completionMode', spec.completionMode, ['Indexed', 'NonIndexed']));
  if (spec.completionMode === 'Indexed') {
    // ValidateJobSpec: Indexed Jobs need completions, and both it and parallelism stay within 10^5.
    if (spec.completions === undefined || spec.completions === null) causes.push(required('spec.completions', 'when completion mode is Indexed'));
    for (const f of ['completions', 'parallelism']) {
      const v = asNum(spec[f]);
      if (v !== undefined && v > 100_000) causes.push(invalid(`spec.${f}`, v, 'must be less than or equal to 100000 when completion mode is Indexed'));
    }
  }
  // Without manualSelector the server generates the selector from the Job's uid (see defaults).
  causes.push(...validateSelectorAndTemplate(spec, { restartPolicies: ['OnFailure', 'Never'], kind: 'Job', selectorOptional: spec.manualSelector !== true }));
  return causes;
}
