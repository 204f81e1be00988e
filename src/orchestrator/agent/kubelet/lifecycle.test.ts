import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flush } from '../../util/clock.js';
import type { KubeObject } from '../../api/types.js';
import { terminationLogPath } from './terminationMessage.js';
import { IMAGE, kubeletFixture, type KubeletFixture } from '../testing/kubeletFixture.js';
import { join } from 'node:path';

let f: KubeletFixture;
const execs: { cmd: string; at: number }[] = [];
let failing = new Set<string>();
beforeEach(async () => {
  f = await kubeletFixture();
  execs.length = 0;
  failing = new Set();
  f.runtime.execHandler = async (io) => {
    const cmd = io.opts.cmd.join(' ');
    execs.push({ cmd, at: f.clock.now() });
    if (failing.has(cmd)) {
      io.stdout.write('it broke');
      return 1;
    }
    return 0;
  };
});
afterEach(() => f.dispose());

describe('kubelet: lifecycle hooks and termination', () => {
  it('runs postStart after the start; a failing one kills the container, with the kubelet event', async () => {
    failing.add('sh -c exit 1');
    await f.createPod('hook', { containers: [{ name: 'main', image: IMAGE, lifecycle: { postStart: { exec: { command: ['sh', '-c', 'exit 1'] } } } }] });
    expect(execs.map((e) => e.cmd)).toContain('sh -c exit 1');
    const pod = await f.pod('hook');
    const e = (await f.events('hook')).find((x) => x.reason === 'FailedPostStartHook');
    expect(e?.message).toBe(`Exec lifecycle hook ([sh -c exit 1]) for Container "main" in Pod "hook_default(${pod.metadata.uid})" failed - error: command 'sh -c exit 1' exited with a non-zero status: it broke, message: "it broke"`);
    expect(f.containersOf('hook')[0]!.running).toBe(false);
  });

  it('runs preStop before stopping a deleted pod, within its grace period', async () => {
    await f.createPod('bye', { terminationGracePeriodSeconds: 20, containers: [{ name: 'main', image: IMAGE, lifecycle: { preStop: { sleep: { seconds: 5 } } } }] });
    const id = f.containersOf('bye')[0]!.id;
    await f.client.delete('pods', 'default', 'bye');
    // Not settle(): the kubelet is busy in the hook until the clock moves.
    for (let i = 0; i < 10; i++) await flush();
    // Still running: the hook sleeps 5 s first.
    expect(f.runtime.all().find((c) => c.id === id)?.running).toBe(true);
    await f.clock.advance(5_000);
    await f.settle();
    expect(f.runtime.stops.find((s) => s.id === id)?.graceSeconds).toBe(15);
  });

  it('runs an exec preStop hook before SIGTERM', async () => {
    await f.createPod('drain', { terminationGracePeriodSeconds: 10, containers: [{ name: 'main', image: IMAGE, lifecycle: { preStop: { exec: { command: ['drain'] } } } }] });
    await f.client.delete('pods', 'default', 'drain');
    await f.settle();
    expect(execs.map((e) => e.cmd)).toEqual(['drain']);
    expect(f.runtime.stops.at(-1)?.graceSeconds).toBe(10);
  });

  it('reports the termination message file, or with FallbackToLogsOnError the log tail', async () => {
    await f.createPod('msg', {
      restartPolicy: 'Never',
      containers: [
        { name: 'main', image: IMAGE, terminationMessagePath: '/tmp/why' },
        { name: 'logs', image: IMAGE, terminationMessagePolicy: 'FallbackToLogsOnError' },
      ],
    });
    const pod = await f.pod('msg');
    const main = f.containersOf('msg', 'main')[0]!;
    const mount = f.runtime.spec(main.id)!.mounts!.find((m) => m.target === '/tmp/why')!;
    expect(mount).toEqual({ type: 'bind', source: terminationLogPath(join(f.dataDir, 'pods', pod.metadata.uid!), 'main', 0), target: '/tmp/why' });
    writeFileSync(mount.source, 'all done');
    f.runtime.crash(main.id, 0);
    const logs = f.containersOf('msg', 'logs')[0]!;
    expect(f.runtime.spec(logs.id)!.mounts!.some((m) => m.target === '/dev/termination-log')).toBe(true);
    f.runtime.write(logs.id, 'panic: boom');
    f.runtime.crash(logs.id, 2);
    await f.settle();
    const st = (await f.pod('msg')).status!.containerStatuses!;
    expect(st[0]!.state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed', message: 'all done' });
    expect(st[1]!.state.terminated).toMatchObject({ exitCode: 2, reason: 'Error', message: 'panic: boom\n' });
  });

  it('fails a pod past activeDeadlineSeconds', async () => {
    await f.createPod('deadline', { activeDeadlineSeconds: 30, terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image: IMAGE }] });
    await f.advance(31_000);
    const st = (await f.pod('deadline')).status!;
    expect([st.phase, st.reason, st.message]).toEqual(['Failed', 'DeadlineExceeded', 'Pod was active on the node longer than the specified deadline']);
    expect(f.containersOf('deadline')[0]!.running).toBe(false);
  });

  it('holds Ready until every readiness gate condition is True', async () => {
    await f.createPod('gated', { readinessGates: [{ conditionType: 'example.com/lb' }], containers: [{ name: 'main', image: IMAGE }] });
    let ready = (await f.pod('gated')).status!.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready).toMatchObject({ status: 'False', reason: 'ReadinessGatesNotReady', message: 'corresponding condition of pod readiness gate "example.com/lb" does not exist.' });
    const pod = await f.pod('gated');
    await f.client.updateStatus<KubeObject>('pods', { ...pod, status: { ...pod.status, conditions: [...pod.status!.conditions!, { type: 'example.com/lb', status: 'True' }] } });
    await f.settle();
    ready = (await f.pod('gated')).status!.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready.status).toBe('True');
    expect((await f.pod('gated')).status!.conditions!.some((c) => c.type === 'example.com/lb')).toBe(true);
  });
});
