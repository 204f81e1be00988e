import { describe, expect, it } from 'vitest';
import type { Deployment } from '../../orchestrator/api/types.js';
import { rolloutOf } from './rollout.js';

function deployment(spec: Partial<Deployment['spec']>, status: Deployment['status'], generation = 2): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', generation },
    spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { spec: { containers: [] } }, ...spec },
    status,
  };
}

describe('rolloutOf (kubectl rollout status, on a card)', () => {
  const done: NonNullable<Deployment['status']> = { observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 };
  const cases: { name: string; spec?: Partial<Deployment['spec']>; status: Deployment['status']; generation?: number; want: { text: string; stuck: boolean } | undefined }[] = [
    { name: 'rolled out: nothing to say', status: done, want: undefined },
    { name: 'a spec change the controller has not seen yet', status: done, generation: 3, want: { text: 'rolling out: change not yet seen', stuck: false } },
    { name: 'new replicas still to update', status: { ...done, updatedReplicas: 1, replicas: 4 }, want: { text: 'rolling out: 1 of 3 updated', stuck: false } },
    { name: 'old replicas still to go', status: { ...done, replicas: 4 }, want: { text: 'rolling out: 1 old pod to go', stuck: false } },
    { name: 'several old replicas', status: { ...done, replicas: 5 }, want: { text: 'rolling out: 2 old pods to go', stuck: false } },
    { name: 'updated replicas not yet available', status: { ...done, availableReplicas: 2 }, want: { text: 'rolling out: 2 of 3 available', stuck: false } },
    {
      name: 'progress deadline exceeded comes before the counts',
      status: { ...done, updatedReplicas: 1, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] },
      want: { text: 'rollout stuck: deadline passed', stuck: true },
    },
    { name: 'a Progressing condition still in progress is not stuck', status: { ...done, updatedReplicas: 2, conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }] }, want: { text: 'rolling out: 2 of 3 updated', stuck: false } },
    { name: 'paused mid-rollout', spec: { paused: true }, status: { ...done, updatedReplicas: 1 }, want: { text: 'paused, rolling out: 1 of 3 updated', stuck: false } },
    { name: 'paused once rolled out', spec: { paused: true }, status: done, want: { text: 'paused', stuck: false } },
    { name: 'replicas unset means one', spec: { replicas: undefined }, status: { observedGeneration: 2, replicas: 1, updatedReplicas: 0 }, want: { text: 'rolling out: 0 of 1 updated', stuck: false } },
    { name: 'scaled to zero and done', spec: { replicas: 0 }, status: { observedGeneration: 2 }, want: undefined },
    { name: 'no status yet', status: undefined, want: { text: 'rolling out: change not yet seen', stuck: false } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = rolloutOf(deployment(c.spec ?? {}, c.status, c.generation));
      expect(r && { text: r.text, stuck: r.stuck }).toEqual(c.want);
    });
  }

  it("says in its tooltip what kubectl rollout status prints", () => {
    expect(rolloutOf(deployment({}, { ...done, updatedReplicas: 1 }))?.title).toBe('Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...');
    expect(rolloutOf(deployment({}, { ...done, replicas: 5 }))?.title).toBe('Waiting for deployment "web" rollout to finish: 2 old replicas are pending termination...');
    expect(rolloutOf(deployment({}, { ...done, availableReplicas: 1 }))?.title).toBe('Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...');
    const stuck: NonNullable<Deployment['status']> = { ...done, conditions: [{ type: 'Progressing', status: 'False' as const, reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-2" has timed out progressing.' }] };
    expect(rolloutOf(deployment({}, stuck))?.title).toBe('deployment "web" exceeded its progress deadline: ReplicaSet "web-2" has timed out progressing.');
    expect(rolloutOf(deployment({ paused: true }, done))?.title).toBe('deployment "web" is paused (kubectl rollout resume deployment/web)');
  });
});
