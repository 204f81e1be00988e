import { describe, expect, it } from 'vitest';
import type { KubeEvent, Pod } from '../../orchestrator/api/types.js';
import { pod } from '../testing/fixtures.js';
import { parsePullProgress, podPullLine, podPulls, pullingIndex } from './pullProgress.js';

const ev = (name: string, reason: string, message: string, at: string, podName = 'web', uid?: string): KubeEvent => ({
  apiVersion: 'v1',
  kind: 'Event',
  metadata: { name, namespace: 'default' },
  involvedObject: { kind: 'Pod', name: podName, namespace: 'default', ...(uid ? { uid } : {}) },
  reason,
  message,
  lastTimestamp: at,
});

function pulling(p: Pod, message: string): Pod {
  const cs = p.status?.containerStatuses?.[0];
  return { ...p, status: { ...p.status, containerStatuses: cs ? [{ ...cs, state: { waiting: { reason: 'ContainerCreating', message } } }] : [] } };
}

describe('image pull progress', () => {
  it('reads the kubelet progress message', () => {
    expect(parsePullProgress('Pulling image "reg:5000/app:1": 12.5 MB of 40.0 MB')).toEqual({ image: 'reg:5000/app:1', doneMb: 12.5, totalMb: 40 });
    expect(parsePullProgress('Pulling image "x"')).toBeUndefined();
    expect(parsePullProgress(undefined)).toBeUndefined();
  });

  it('takes each image\'s latest event; in the same second the ending outranks the start', () => {
    const events = [
      ev('a', 'Pulling', 'Pulling image "app:1"', '2025-01-01T00:00:01Z'),
      ev('b', 'Pulled', 'Successfully pulled image "app:1" in 1.2s (1.2s including waiting). Image size: 10 bytes.', '2025-01-01T00:00:01Z'),
      ev('c', 'Failed', 'Failed to pull image "db:2": not found', '2025-01-01T00:00:02Z'),
      ev('d', 'Pulling', 'Pulling image "db:2"', '2025-01-01T00:00:01Z'),
      ev('e', 'Pulling', 'Pulling image "other:1"', '2025-01-01T00:00:01Z', 'other-pod'),
      ev('f', 'Started', 'Started container web', '2025-01-01T00:00:03Z'),
    ];
    expect(podPulls(pod('web'), events).map((p) => [p.image, p.state])).toEqual([
      ['app:1', 'pulled'],
      ['db:2', 'failed'],
    ]);
  });

  it('orders events by date, not text: a retry with an eventTime in microseconds follows a failure stamped in whole seconds', () => {
    const failed = ev('a', 'Failed', 'Failed to pull image "app:1": timeout', '2026-12-05T08:00:00Z');
    const retry = { ...ev('b', 'Pulling', 'Pulling image "app:1"', ''), lastTimestamp: undefined, eventTime: '2026-12-05T08:00:00.250000Z' } as KubeEvent;
    expect(podPulls(pod('web'), [failed, retry]).map((p) => p.state)).toEqual(['pulling']);
    expect(podPulls(pod('web'), [retry, failed]).map((p) => p.state)).toEqual(['pulling']);
  });

  it('joins the progress of a running pull, and ignores events of an earlier pod of the same name', () => {
    const p = { ...pulling(pod('web'), 'Pulling image "app:1": 3.0 MB of 12.0 MB'), metadata: { name: 'web', namespace: 'default', uid: 'u2' } };
    const events = [ev('a', 'Pulling', 'Pulling image "app:1"', '2025-01-01T00:00:05Z', 'web', 'u2'), ev('b', 'Pulled', 'Container image "app:1" already present on machine', '2025-01-01T00:00:09Z', 'web', 'u1')];
    expect(podPulls(p, events)).toEqual([{ image: 'app:1', state: 'pulling', message: 'Pulling image "app:1"', progress: { doneMb: 3, totalMb: 12 } }]);
  });

  it('gives a pod chip one line: progress from its status first, else the pulling event, else nothing', () => {
    const events = { a: ev('a', 'Pulling', 'Pulling image "registry.local/app:1"', '2025-01-01T00:00:05Z') };
    expect(podPullLine(pod('web'), events, 'default/web')).toBe('⤓ pulling app:1');
    expect(podPullLine(pulling(pod('web'), 'Pulling image "registry.local/app:1": 3.5 MB of 12.0 MB'), {}, 'default/web')).toBe('⤓ app:1 3.5 of 12 MB');
    const done = { ...events, b: ev('b', 'Pulled', 'Successfully pulled image "registry.local/app:1" in 2s', '2025-01-01T00:00:07Z') };
    expect(podPullLine(pod('web'), done, 'default/web')).toBeUndefined();
    expect(podPullLine(undefined, events, 'default/web')).toBeUndefined();
  });

  it('builds the index once per events map', () => {
    const events = { a: ev('a', 'Pulling', 'Pulling image "app:1"', '2025-01-01T00:00:05Z') };
    expect(pullingIndex(events)).toBe(pullingIndex(events));
    expect(pullingIndex({ ...events })).not.toBe(pullingIndex(events));
  });
});
