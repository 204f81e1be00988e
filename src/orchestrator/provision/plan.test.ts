import { describe, expect, it } from 'vitest';
import { nodeReadySince, planAgentAction, planSteps, PROVISION_STEPS, REMOVAL_STEPS, setCondition, updateStep } from './plan.js';

const T1 = '2026-01-01T00:00:01Z';
const T2 = '2026-01-01T00:00:02Z';

describe('steps', () => {
  it('plans every step pending, in order', () => {
    expect(planSteps(PROVISION_STEPS).map((s) => [s.name, s.state])).toEqual([
      ['connect', 'pending'],
      ['hostKey', 'pending'],
      ['detect', 'pending'],
      ['upload', 'pending'],
      ['tunnel', 'pending'],
      ['agent', 'pending'],
      ['node', 'pending'],
    ]);
    expect(planSteps(REMOVAL_STEPS).map((s) => s.name)).toEqual(['stopAgent', 'removeNetwork', 'removeContainers', 'deleteNode', 'deleteToken']);
  });

  it('stamps start and finish, and leaves other steps alone', () => {
    const planned = planSteps(PROVISION_STEPS);
    const running = updateStep(planned, 'connect', 'running', T1, 'connecting to 10.77.0.11:22');
    expect(running[0]).toEqual({ name: 'connect', title: 'Connect over SSH', state: 'running', message: 'connecting to 10.77.0.11:22', startedAt: T1 });
    const done = updateStep(running, 'connect', 'done', T2, 'connected');
    expect(done[0]).toEqual({ name: 'connect', title: 'Connect over SSH', state: 'done', message: 'connected', startedAt: T1, finishedAt: T2 });
    expect(done.slice(1)).toEqual(planned.slice(1));
    expect(planned[0]?.state).toBe('pending');
  });

  it('a step that fails before it ran still gets both times', () => {
    const failed = updateStep(planSteps(PROVISION_STEPS), 'detect', 'failed', T2, 'no docker');
    expect(failed[2]).toMatchObject({ state: 'failed', startedAt: T2, finishedAt: T2, message: 'no docker' });
  });

  it('refuses an unknown step', () => {
    expect(() => updateStep([], 'nope', 'done', T1)).toThrow(/unknown step/);
  });
});

describe('setCondition', () => {
  it('moves lastTransitionTime only on a status change', () => {
    const a = setCondition(undefined, 'Connected', 'True', 'SSHConnected', 'up', T1);
    const b = setCondition(a, 'Connected', 'True', 'SSHConnected', 'still up', T2);
    expect(b).toEqual([{ type: 'Connected', status: 'True', reason: 'SSHConnected', message: 'still up', lastTransitionTime: T1 }]);
    const c = setCondition(b, 'Connected', 'False', 'Disconnected', 'down', T2);
    expect(c[0]?.lastTransitionTime).toBe(T2);
    expect(setCondition(c, 'Ready', 'False', 'x', 'y', T2).map((x) => x.type)).toEqual(['Connected', 'Ready']);
  });
});

describe('planAgentAction', () => {
  it.each([
    [{ running: false, filesChanged: false }, 'start'],
    [{ running: false, filesChanged: true }, 'start'],
    [{ running: true, filesChanged: false }, 'keep'],
    [{ running: true, filesChanged: true }, 'restart'],
  ] as const)('%j -> %s', (input, want) => expect(planAgentAction(input)).toBe(want));
});

describe('nodeReadySince', () => {
  const since = Date.parse('2026-01-01T00:00:01.500Z');
  it('wants Ready=True with a heartbeat in or after the same second', () => {
    expect(nodeReadySince([{ type: 'Ready', status: 'True', lastHeartbeatTime: T1 }], since)).toBe(true);
    expect(nodeReadySince([{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:00:00Z' }], since)).toBe(false);
    expect(nodeReadySince([{ type: 'Ready', status: 'Unknown', lastHeartbeatTime: T2 }], since)).toBe(false);
    expect(nodeReadySince(undefined, since)).toBe(false);
  });
});
