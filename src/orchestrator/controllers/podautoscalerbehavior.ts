import { defaultScaleDownRules, defaultScaleUpRules, type HorizontalPodAutoscaler, type HPAScalingRules } from '../api/autoscaling.js';

/**
 * The HPA's `behavior`: stabilization windows and scaling policies, as kube-controller-manager
 * applies them (normalizeDesiredReplicasWithBehaviors in horizontal.go). The state (recent
 * recommendations and scale events per HPA) lives in memory, as upstream: a restarted control plane
 * starts a fresh scale-down window from the current size, so it never scales down at once.
 */

interface Recommendation {
  replicas: number;
  at: number;
}

interface ScaleEvent {
  change: number;
  at: number;
}

export interface Normalized {
  replicas: number;
  /** AbleToScale (True) reason and message: why the stabilized value differs, or not. */
  ableReason: string;
  ableMessage: string;
  /** ScalingLimited: True when the rate or min/max bounds changed the stabilized value. */
  limited: boolean;
  limitReason: string;
  limitMessage: string;
}

type Rules = Required<HPAScalingRules>;

function rulesOf(hpa: HorizontalPodAutoscaler): { up: Rules; down: Rules } {
  const b = hpa.spec.behavior;
  const fill = (r: HPAScalingRules | undefined, d: Rules): Rules => ({
    stabilizationWindowSeconds: r?.stabilizationWindowSeconds ?? d.stabilizationWindowSeconds,
    selectPolicy: r?.selectPolicy ?? d.selectPolicy,
    policies: r?.policies ?? d.policies,
  });
  return { up: fill(b?.scaleUp, defaultScaleUpRules()), down: fill(b?.scaleDown, defaultScaleDownRules()) };
}

function changeInPeriod(events: ScaleEvent[], periodSeconds: number, now: number): number {
  const cutoff = now - periodSeconds * 1000;
  return events.reduce((a, e) => (e.at > cutoff ? a + e.change : a), 0);
}

/** calculateScaleUpLimitWithScalingRules */
export function scaleUpLimit(current: number, ups: ScaleEvent[], downs: ScaleEvent[], rules: Rules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Infinity : -Infinity;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(ups, p.periodSeconds, now) + changeInPeriod(downs, p.periodSeconds, now);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors */
export function scaleDownLimit(current: number, ups: ScaleEvent[], downs: ScaleEvent[], rules: Rules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? -Infinity : Infinity;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(ups, p.periodSeconds, now) + changeInPeriod(downs, p.periodSeconds, now);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** Per-HPA memory of recommendations and scale events. */
export class BehaviorState {
  private readonly recommendations = new Map<string, Recommendation[]>();
  private readonly ups = new Map<string, ScaleEvent[]>();
  private readonly downs = new Map<string, ScaleEvent[]>();

  forget(key: string): void {
    this.recommendations.delete(key);
    this.ups.delete(key);
    this.downs.delete(key);
  }

  /**
   * Stabilizes `desired` over the windows, then limits it by the policies' rates and min/max.
   * Records `desired` as a recommendation.
   */
  normalize(key: string, hpa: HorizontalPodAutoscaler, current: number, desired: number, now: number): Normalized {
    const { up, down } = rulesOf(hpa);
    const min = hpa.spec.minReplicas ?? 1;
    const max = hpa.spec.maxReplicas;
    // A new HPA (or a restarted controller) starts the scale-down window from the current size.
    if (!this.recommendations.has(key) && down.stabilizationWindowSeconds > 0) this.recommendations.set(key, [{ replicas: current, at: now }]);
    const recs = this.recommendations.get(key) ?? [];
    const upCutoff = now - up.stabilizationWindowSeconds * 1000;
    const downCutoff = now - down.stabilizationWindowSeconds * 1000;
    let upRec = desired;
    let downRec = desired;
    let old = -1;
    recs.forEach((r, i) => {
      if (r.at > upCutoff) upRec = Math.min(upRec, r.replicas);
      if (r.at > downCutoff) downRec = Math.max(downRec, r.replicas);
      if (r.at < upCutoff && r.at < downCutoff) old = i;
    });
    let stabilized = current;
    if (stabilized < upRec) stabilized = upRec;
    if (stabilized > downRec) stabilized = downRec;
    if (old >= 0) recs[old] = { replicas: desired, at: now };
    else recs.push({ replicas: desired, at: now });
    this.recommendations.set(key, recs);

    const out: Normalized = {
      replicas: stabilized,
      ableReason: 'ReadyForNewScale',
      ableMessage: 'recommended size matches current size',
      limited: false,
      limitReason: 'DesiredWithinRange',
      limitMessage: 'the desired count is within the acceptable range',
    };
    if (stabilized !== desired) {
      if (desired >= current) {
        out.ableReason = 'ScaleUpStabilized';
        out.ableMessage = 'recent recommendations were lower than current one, applying the lowest recent recommendation';
      } else {
        out.ableReason = 'ScaleDownStabilized';
        out.ableMessage = 'recent recommendations were higher than current one, applying the highest recent recommendation';
      }
    }
    const ups = this.ups.get(key) ?? [];
    const downs = this.downs.get(key) ?? [];
    if (stabilized > current) {
      const limit = Math.max(current, scaleUpLimit(current, ups, downs, up, now));
      const allowed = Math.min(max, limit);
      if (stabilized > allowed) {
        Object.assign(out, max > limit
          ? { limitReason: 'ScaleUpLimit', limitMessage: 'the desired replica count is increasing faster than the maximum scale rate' }
          : { limitReason: 'TooManyReplicas', limitMessage: 'the desired replica count is more than the maximum replica count' });
        out.replicas = allowed;
      }
    } else if (stabilized < current) {
      const limit = Math.min(current, scaleDownLimit(current, ups, downs, down, now));
      const allowed = Math.max(min, limit);
      if (stabilized < allowed) {
        Object.assign(out, min < limit
          ? { limitReason: 'ScaleDownLimit', limitMessage: 'the desired replica count is decreasing faster than the maximum scale rate' }
          : { limitReason: 'TooFewReplicas', limitMessage: 'the desired replica count is less than the minimum replica count' });
        out.replicas = allowed;
      }
    }
    out.limited = out.replicas !== stabilized;
    if (!out.limited) {
      out.limitReason = 'DesiredWithinRange';
      out.limitMessage = 'the desired count is within the acceptable range';
    }
    return out;
  }

  /** storeScaleEvent: remembers a rescale for the rate policies, dropping events older than the longest period. */
  recordScale(key: string, hpa: HorizontalPodAutoscaler, from: number, to: number, now: number): void {
    const { up, down } = rulesOf(hpa);
    const longest = (r: Rules) => Math.max(0, ...r.policies.map((p) => p.periodSeconds)) * 1000;
    const keep = (events: ScaleEvent[], period: number) => events.filter((e) => e.at > now - period);
    if (to > from) this.ups.set(key, [...keep(this.ups.get(key) ?? [], longest(up)), { change: to - from, at: now}]);
    else if (to < from) this.downs.set(key, [...keep(this.downs.get(key) ?? [], longest(down)), { change: from - to, at: now}]);
  }
}
