import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EphemeralContainer, Pod } from '../../api/types.js';
import { IMAGE, kubeletFixture, type KubeletFixture } from '../testing/kubeletFixture.js';

let f: KubeletFixture;
beforeEach(async () => {
  f = await kubeletFixture();
});
afterEach(() => f.dispose());

const running = (pod: string, c: string) => f.containersOf(pod, c).filter((x) => x.running);

/** What `kubectl debug` does: a strategic merge patch of pods/NAME/ephemeralcontainers. */
async function debug(pod: string, c: EphemeralContainer): Promise<void> {
  await f.cluster.registry.patch('pods', 'default', pod, 'strategic', { spec: { ephemeralContainers: [c] } }, { subresource: 'ephemeralcontainers' });
  await f.settle();
}

describe('kubelet: ephemeral containers (kubectl debug)', () => {
  it('runs one in the pod, in its target container`s PID namespace, and never restarts it', async () => {
    await f.createPod('p');
    const main = running('p', 'main')[0]!;
    await debug('p', { name: 'dbg', image: IMAGE, command: ['sh'], stdin: true, tty: true, targetContainerName: 'main' });
    const dbg = running('p', 'dbg');
    expect(dbg).toHaveLength(1);
    const spec = f.runtime.spec(dbg[0]!.id)!;
    expect(spec.pidMode).toBe(`container:${main.id}`);
    expect(spec.networkMode).toBe(f.runtime.spec(main.id)!.networkMode);
    expect(spec.stdin && spec.tty).toBe(true);
    let pod: Pod = await f.pod('p');
    const status = pod.status!.ephemeralContainerStatuses!;
    expect(status.map((s) => [s.name, Object.keys(s.state)[0], s.ready, s.started])).toEqual([['dbg', 'running', false, undefined]]);
    // The pod's own readiness is its containers': a debug container changes nothing there.
    expect(pod.status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('True');

    f.runtime.crash(dbg[0]!.id, 3);
    await f.settle();
    await f.advance(60_000, 10_000);
    expect(f.containersOf('p', 'dbg')).toHaveLength(1);
    pod = await f.pod('p');
    expect(pod.status!.ephemeralContainerStatuses![0]!.state.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(pod.status!.phase).toBe('Running');
    expect(running('p', 'main')).toHaveLength(1);
  });

  it('starts one while init containers run; one whose target does not run yet waits for it', async () => {
    await f.createPod('init', { initContainers: [{ name: 'setup', image: IMAGE }] });
    await debug('init', { name: 'early', image: IMAGE });
    expect(running('init', 'early')).toHaveLength(1);
    expect(f.runtime.spec(running('init', 'early')[0]!.id)!.pidMode).toBeUndefined();
    await debug('init', { name: 'late', image: IMAGE, targetContainerName: 'main' });
    expect(f.containersOf('init', 'late')).toHaveLength(0);
    let late = (await f.pod('init')).status!.ephemeralContainerStatuses!.find((s) => s.name === 'late')!;
    expect(late.state.waiting).toEqual({ reason: 'ContainerCreating', message: 'waiting for its target container main to run' });

    f.runtime.crash(running('init', 'setup')[0]!.id, 0);
    await f.settle();
    const main = running('init', 'main')[0]!;
    expect(running('init', 'late')).toHaveLength(1);
    expect(f.runtime.spec(running('init', 'late')[0]!.id)!.pidMode).toBe(`container:${main.id}`);
    late = (await f.pod('init')).status!.ephemeralContainerStatuses!.find((s) => s.name === 'late')!;
    expect(Object.keys(late.state)).toEqual(['running']);
  });
});
