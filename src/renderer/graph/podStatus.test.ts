import { describe, expect, it } from 'vitest';
import { node, pod } from '../testing/fixtures.js';
import { nodeReadiness, podDisplay } from './podStatus.js';

describe('podDisplay', () => {
  it.each([
    [pod('a'), 'pending', 'Pending'],
    [pod('a', { nodeName: 'n' }), 'pending', 'ContainerCreating'],
    [pod('a', { nodeName: 'n', waiting: 'ErrImagePull' }), 'failed', 'ErrImagePull'],
    [pod('a', { nodeName: 'n', phase: 'Running', restarts: 3 }), 'running', 'Running'],
    [pod('a', { nodeName: 'n', phase: 'Running', waiting: 'CrashLoopBackOff' }), 'failed', 'CrashLoopBackOff'],
    [pod('a', { nodeName: 'n', phase: 'Succeeded' }), 'succeeded', 'Completed'],
    [pod('a', { nodeName: 'n', phase: 'Failed' }), 'failed', 'Failed'],
    [pod('a', { nodeName: 'n', phase: 'Running', deleting: true }), 'terminating', 'Terminating'],
    [pod('a', { nodeName: 'n', phase: 'Unknown' }), 'unknown', 'Unknown'],
  ] as const)('%#: %s', (p, tone, status) => {
    expect(podDisplay(p)).toMatchObject({ tone, status });
  });

  it('counts ready containers and restarts', () => {
    expect(podDisplay(pod('a', { nodeName: 'n', phase: 'Running', restarts: 4 }))).toMatchObject({ ready: '1/1', restarts: 4 });
    expect(podDisplay(pod('a', { nodeName: 'n', phase: 'Running', ready: false }))).toMatchObject({ ready: '0/1' });
  });
});

describe('nodeReadiness', () => {
  it('reads the Ready condition', () => {
    expect(nodeReadiness(node('a', 'True'))).toBe('Ready');
    expect(nodeReadiness(node('a', 'False'))).toBe('NotReady');
    expect(nodeReadiness(node('a', 'Unknown'))).toBe('NotReady');
    expect(nodeReadiness(node('a', null))).toBe('Unknown');
    expect(nodeReadiness(undefined)).toBe('Unknown');
  });
});
