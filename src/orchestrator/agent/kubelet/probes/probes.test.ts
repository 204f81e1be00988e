import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Container } from '../../../api/types.js';
import { IMAGE, kubeletFixture, type KubeletFixture } from '../../testing/kubeletFixture.js';

let f: KubeletFixture;
/** Exit code of each probe command (`check-<name>`); output is `<name> says <code>`. */
const answers = new Map<string, number>();
/** Clock times at which each command ran. */
const runs: { cmd: string; at: number }[] = [];

beforeEach(async () => {
  f = await kubeletFixture();
  answers.clear();
  runs.length = 0;
  f.runtime.execHandler = async (io) => {
    const cmd = io.opts.cmd.join(' ');
    runs.push({ cmd, at: f.clock.now() });
    if (cmd === 'hang') return new Promise<number>(() => {});
    const code = answers.get(cmd) ?? 0;
    io.stdout.write(`${cmd} says ${code}\n`);
    return code;
  };
});
afterEach(() => f.dispose());

const exec = (cmd: string) => ({ exec: { command: [cmd] } });
const container = (extra: Partial<Container>): Container => ({ name: 'main', image: IMAGE, ...extra });
const status = async (pod: string) => (await f.pod(pod)).status!;
const ready = async (pod: string) => (await status(pod)).conditions!.find((c) => c.type === 'Ready')!.status;

describe('kubelet: probes', () => {
  it('readiness: not ready until the probe passes, then follows it with its thresholds', async () => {
    answers.set('check', 1);
    await f.createPod('web', { containers: [container({ readinessProbe: { ...exec('check'), periodSeconds: 5, failureThreshold: 2, successThreshold: 2 } })] });
    expect(await ready('web')).toBe('False');
    expect((await status('web')).containerStatuses![0]!.ready).toBe(false);
    await f.advance(5_000);
    expect((await f.events('web')).find((e) => e.reason === 'Unhealthy')?.message).toBe('Readiness probe failed: check says 1');
    answers.set('check', 0);
    await f.advance(5_000);
    expect(await ready('web')).toBe('False'); // one success of the two needed
    await f.advance(5_000);
    expect(await ready('web')).toBe('True');
    expect((await status('web')).containerStatuses![0]!.ready).toBe(true);
    answers.set('check', 1);
    await f.advance(5_000);
    expect(await ready('web')).toBe('True'); // one failure of the two needed
    await f.advance(5_000);
    expect(await ready('web')).toBe('False');
    expect((await status('web')).conditions!.find((c) => c.type === 'ContainersReady')!.message).toBe('containers with unready status: [main]');
    // Readiness never restarts anything.
    expect(f.containersOf('web')).toHaveLength(1);
  });

  it('liveness: after failureThreshold failures the container is killed (its probe grace) and restarted', async () => {
    await f.createPod('live', {
      terminationGracePeriodSeconds: 30,
      containers: [container({ livenessProbe: { ...exec('alive'), initialDelaySeconds: 10, periodSeconds: 3, failureThreshold: 3, terminationGracePeriodSeconds: 5 } })],
    });
    await f.advance(9_000);
    expect(runs).toHaveLength(0); // initialDelaySeconds
    await f.advance(2_000);
    expect(runs).toHaveLength(1);
    answers.set('alive', 1);
    await f.advance(6_000);
    expect(f.containersOf('live')).toHaveLength(1);
    await f.advance(3_000);
    const [first, second] = f.containersOf('live');
    expect(first?.running).toBe(false);
    expect(second?.running).toBe(true);
    expect(f.runtime.stops.find((s) => s.id === first!.id)?.graceSeconds).toBe(5);
    const events = await f.events('live');
    expect(events.find((e) => e.reason === 'Unhealthy')).toMatchObject({ type: 'Warning', message: 'Liveness probe failed: alive says 1', count: 3 });
    expect(events.find((e) => e.reason === 'Killing')?.message).toBe('Container main failed liveness probe, will be restarted');
    expect((await status('live')).containerStatuses![0]!.restartCount).toBe(1);
    // The new run starts over: its own initial delay, a healthy answer keeps it.
    answers.set('alive', 0);
    await f.advance(30_000);
    expect(f.containersOf('live')).toHaveLength(2);
  });

  it('startup: liveness and readiness wait for it; started follows it; failing it restarts', async () => {
    answers.set('started', 1);
    await f.createPod('slow', {
      containers: [container({ startupProbe: { ...exec('started'), periodSeconds: 2, failureThreshold: 5 }, livenessProbe: { ...exec('alive'), periodSeconds: 2 }, readinessProbe: { ...exec('ready'), periodSeconds: 2 } })],
    });
    await f.advance(6_000);
    expect(runs.every((r) => r.cmd === 'started')).toBe(true);
    expect((await status('slow')).containerStatuses![0]!.started).toBe(false);
    answers.set('started', 0);
    await f.advance(2_000);
    expect((await status('slow')).containerStatuses![0]!.started).toBe(true);
    await f.advance(4_000);
    expect(runs.some((r) => r.cmd === 'alive')).toBe(true);
    expect(await ready('slow')).toBe('True');
    const startupRuns = runs.filter((r) => r.cmd === 'started').length;
    await f.advance(10_000);
    expect(runs.filter((r) => r.cmd === 'started').length).toBe(startupRuns); // done once it succeeded

    answers.set('started', 1);
    await f.createPod('never-starts', { containers: [container({ startupProbe: { ...exec('started'), periodSeconds: 1, failureThreshold: 3 } })] });
    await f.advance(4_000);
    expect((await f.events('never-starts')).find((e) => e.reason === 'Killing')?.message).toBe('Container main failed startup probe, will be restarted');
    expect(f.containersOf('never-starts').length).toBeGreaterThan(1);
  });

  it('a probe that outlives timeoutSeconds fails with the kubelet message', async () => {
    await f.createPod('hung', { containers: [container({ readinessProbe: { ...exec('hang'), timeoutSeconds: 2, periodSeconds: 10 } })] });
    await f.advance(3_000);
    expect((await f.events('hung')).find((e) => e.reason === 'Unhealthy')?.message).toBe('Readiness probe failed: command "hang" timed out');
  });

  it('keeps probing and restarting while the API is unreachable (the agent owns its probes)', async () => {
    await f.createPod('alone', { containers: [container({ livenessProbe: { ...exec('alive'), periodSeconds: 1, failureThreshold: 1 } })] });
    answers.set('alive', 1);
    // Every write fails from now on: events and status cannot reach the API.
    const client = f.kubelet.syncer as unknown as { d: { client: { updateStatus: unknown } } };
    const original = client.d.client.updateStatus;
    client.d.client.updateStatus = () => Promise.reject(new Error('connection refused'));
    await f.advance(3_000);
    expect(f.containersOf('alone').length).toBeGreaterThan(1);
    client.d.client.updateStatus = original;
  });
});
