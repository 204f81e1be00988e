import { describe, expect, it } from 'vitest';
import type { ContainerState, ContainerStatus, Pod } from '../../api/types.js';
import { LABELS, type ContainerDetails } from '../runtime/types.js';
import { groupInstances, toInstance, type Instance } from './containers.js';
import { buildPodStatus, podPhase, sameStatus } from './podStatus.js';

const pod = (restartPolicy: 'Always' | 'OnFailure' | 'Never', names = ['a', 'b']): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', uid: 'u1' },
  spec: { restartPolicy, containers: names.map((name) => ({ name, image: 'img:1' })) },
});

const running: ContainerState = { running: { startedAt: 'x' } };
const done = (exitCode: number): ContainerState => ({ terminated: { exitCode } });
const waiting: ContainerState = { waiting: { reason: 'ContainerCreating' } };
const cs = (state: ContainerState, lastState: ContainerState = {}): ContainerStatus => ({ name: 'c', state, lastState, ready: !!state.running, restartCount: 0, image: '', imageID: '' });

describe('podPhase', () => {
  it.each([
    ['Always', [cs(running), cs(running)], 'Running'],
    ['Always', [cs(running), cs(waiting)], 'Pending'],
    ['Always', [cs(waiting, done(1)), cs(running)], 'Running'],
    ['Always', [cs(done(0)), cs(done(0))], 'Running'],
    ['OnFailure', [cs(done(0)), cs(done(0))], 'Succeeded'],
    ['OnFailure', [cs(done(0)), cs(done(1))], 'Running'],
    ['Never', [cs(done(0)), cs(done(0))], 'Succeeded'],
    ['Never', [cs(done(0)), cs(done(3))], 'Failed'],
    ['Never', [cs(done(3)), cs(running)], 'Running'],
  ] as const)('%s with %j -> %s', (policy, statuses, phase) => {
    expect(podPhase(pod(policy), [...statuses])).toBe(phase);
  });
});

function instance(id: string, name: string, attempt: number, d: Partial<ContainerDetails>): Instance {
  return toInstance({
    id,
    name: id,
    image: 'img:1',
    labels: { [LABELS.podUid]: 'u1', [LABELS.containerName]: name, [LABELS.attempt]: String(attempt) },
    state: 'running',
    createdAt: attempt,
    imageId: 'sha256:1',
    running: true,
    exitCode: 0,
    oomKilled: false,
    networkMode: 'default',
    ...d,
  })!;
}

describe('buildPodStatus', () => {
  const t = Date.UTC(2026, 0, 1);
  it('reports the waiting reason with the last run, and is stable when recomputed', () => {
    const p = pod('Always', ['a']);
    const instances = groupInstances([
      instance('c1', 'a', 0, { state: 'exited', running: false, exitCode: 2, startedAt: t, finishedAt: t + 1000 }),
      instance('c2', 'a', 1, { state: 'exited', running: false, exitCode: 1, oomKilled: true, startedAt: t + 2000, finishedAt: t + 3000 }),
    ]);
    const waiting = new Map([['a', { reason: 'CrashLoopBackOff', message: 'back-off 10s' }]]);
    const s = buildPodStatus({ pod: p, instances, waiting, hostIP: '10.0.0.1', podIP: '10.88.0.2', now: t + 5000 });
    const c = s.containerStatuses![0]!;
    expect(c.state).toEqual({ waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s' } });
    expect(c.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'OOMKilled', containerID: 'docker://c2', finishedAt: '2026-01-01T00:00:03Z' });
    expect(c.restartCount).toBe(1);
    expect(s.phase).toBe('Running');
    expect(s.conditions!.find((x) => x.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [a]' });
    const again = buildPodStatus({ pod: { ...p, status: s }, instances, waiting, hostIP: '10.0.0.1', now: t + 60_000 });
    expect(sameStatus(again, s)).toBe(true);
  });

  it('keeps fields it does not own', () => {
    const p = { ...pod('Always', ['a']), status: { nominatedNodeName: 'n', conditions: [{ type: 'PodScheduled', status: 'True' as const, lastTransitionTime: 'early' }] } };
    const s = buildPodStatus({ pod: p, instances: groupInstances([instance('c1', 'a', 0, { startedAt: t })]), waiting: new Map(), hostIP: 'h', podIP: 'ip', now: t });
    expect(s.nominatedNodeName).toBe('n');
    expect(s.conditions!.find((c) => c.type === 'PodScheduled')!.lastTransitionTime).toBe('early');
    expect(s.containerStatuses![0]!.state.running?.startedAt).toBe('2026-01-01T00:00:00Z');
  });
});

describe('sameStatus', () => {
  it('ignores key order and undefined members', () => {
    expect(sameStatus({ a: 1, b: { c: [1, { d: 2, e: undefined }] } }, { b: { c: [1, { d: 2 }] }, a: 1 })).toBe(true);
    expect(sameStatus({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
  });
});
