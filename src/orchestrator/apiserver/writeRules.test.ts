import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../api/types.js';
import { isoTime } from '../util/clock.js';
import { planDelete } from './writeRules.js';

const NOW = Date.UTC(2026, 11, 5, 12);
const obj = (meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', resourceVersion: '7', ...meta } });
const terminating = (graceS: number, finalizers?: string[]) => obj({ deletionTimestamp: isoTime(NOW + graceS * 1000), deletionGracePeriodSeconds: graceS, ...(finalizers ? { finalizers } : {}) });

describe('planDelete (rest.BeforeDelete)', () => {
  it.each([
    { name: 'no finalizer, no grace: removed now', current: obj(), finalizers: [], grace: 0, want: 'remove' },
    { name: 'a grace period: marked', current: obj(), finalizers: [], grace: 30, want: 'store' },
    { name: 'a finalizer: marked', current: obj(), finalizers: ['f'], grace: 0, want: 'store' },
    { name: 'terminating, grace 0 and no finalizer left: removed', current: terminating(30), finalizers: [], grace: 0, want: 'remove' },
    { name: 'terminating, a shorter grace: stored shorter', current: terminating(30), finalizers: [], grace: 5, want: 'store' },
    { name: 'terminating, a longer grace: kept', current: terminating(30), finalizers: [], grace: 60, want: 'keep' },
    { name: 'terminating and held by a finalizer, grace 0: stored with grace 0', current: terminating(30, ['f']), finalizers: ['f'], grace: 0, want: 'store' },
  ])('$name', ({ current, finalizers, grace, want }) => {
    expect(planDelete(current, finalizers, grace, undefined, NOW).kind).toBe(want);
  });

  it('marks with the finalizers, the deletion time, the grace and the status; a terminating object only gets the shorter grace', () => {
    const marked = planDelete(obj({ finalizers: ['a'] }), ['a', 'foregroundDeletion'], 30, { phase: 'Terminating' }, NOW);
    expect(marked).toEqual({ kind: 'store', next: { ...obj({ finalizers: ['a', 'foregroundDeletion'], deletionTimestamp: isoTime(NOW + 30_000), deletionGracePeriodSeconds: 30 }), status: { phase: 'Terminating' } } });
    const shorter = planDelete(terminating(30, ['f']), ['f', 'orphan'], 5, { phase: 'x' }, NOW);
    expect(shorter).toEqual({ kind: 'store', next: terminating(5, ['f']) });
  });

  it('leaves the object it is given as it was', () => {
    const current = Object.freeze(obj());
    planDelete(current, ['f'], 30, undefined, NOW);
    expect(current).toEqual(obj());
  });
});
