import type { Pod, Taint } from './types.js';

/** A pod's toleration, as written in `spec.tolerations` (validated loosely: unknown shapes tolerate nothing). */
export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: Taint['effect'] | '';
  tolerationSeconds?: number;
}

export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

export function tolerationsOf(pod: Pod): Toleration[] {
  const list = pod.spec.tolerations;
  if (!Array.isArray(list)) return [];
  return list.filter((t): t is Toleration => !!t && typeof t === 'object');
}

/** Kubernetes' Toleration.ToleratesTaint: empty key with Exists matches every key; empty effect every effect. */
export function tolerates(t: Toleration, taint: Pick<Taint, 'key' | 'value' | 'effect'>): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (!t.key && t.operator !== 'Exists') return false;
  if (t.operator === 'Exists') return true;
  return (t.value ?? '') === (taint.value ?? '');
}

/** The first toleration of `pod` that tolerates `taint`, if any. */
export function findToleration(pod: Pod, taint: Pick<Taint, 'key' | 'value' | 'effect'>): Toleration | undefined {
  return tolerationsOf(pod).find((t) => tolerates(t, taint));
}

/** `{key: value}` as kube-scheduler prints an untolerated taint. */
export function formatTaint(t: Taint): string {
  return `{${t.key}: ${t.value ?? ''}}`;
}
