import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { flush } from '../../util/clock.js';
import { podPrinter } from '../../api/tables/pods.js';
import type { Pod } from '../../api/types.js';
import { LABELS } from '../runtime/types.js';
import { IMAGE, kubeletFixture, type KubeletFixture } from '../testing/kubeletFixture.js';

let f: KubeletFixture;
beforeEach(async () => {
  f = await kubeletFixture();
});
afterEach(() => f.dispose());

/** What `kubectl get pods` prints in READY and STATUS. */
async function shown(name: string): Promise<[string, string]> {
  const pod = await f.pod(name);
  const cells = podPrinter.row(pod, f.clock.now()).cells;
  return [String(cells[1]), String(cells[2])];
}
const running = (pod: string, c: string) => f.containersOf(pod, c).filter((x) => x.running);
const finish = (pod: string, c: string, code: number) => f.runtime.crash(running(pod, c)[0]!.id, code);

describe('kubelet: init containers', () => {
  it('runs init containers one at a time, in order, to completion, then the app containers', async () => {
    await f.createPod('init', {
      initContainers: [
        { name: 'first', image: IMAGE },
        { name: 'second', image: IMAGE },
      ],
      containers: [{ name: 'main', image: IMAGE }],
    });
    expect(running('init', 'first')).toHaveLength(1);
    expect(f.containersOf('init', 'second')).toHaveLength(0);
    expect(f.containersOf('init', 'main')).toHaveLength(0);
    expect(await shown('init')).toEqual(['0/1', 'Init:0/2']);
    let pod = await f.pod('init');
    expect(pod.status!.phase).toBe('Pending');
    expect(pod.status!.conditions!.find((c) => c.type === 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [first second]' });
    expect(pod.status!.initContainerStatuses!.map((s) => [s.name, Object.keys(s.state)[0]])).toEqual([['first', 'running'], ['second', 'waiting']]);
    expect(pod.status!.initContainerStatuses![1]!.state.waiting?.reason).toBe('PodInitializing');
    expect(pod.status!.containerStatuses![0]!.state.waiting?.reason).toBe('PodInitializing');

    finish('init', 'first', 0);
    await f.settle();
    expect(running('init', 'second')).toHaveLength(1);
    expect(f.containersOf('init', 'main')).toHaveLength(0);
    expect(await shown('init')).toEqual(['0/1', 'Init:1/2']);

    finish('init', 'second', 0);
    await f.settle();
    expect(running('init', 'main')).toHaveLength(1);
    pod = await f.pod('init');
    expect(pod.status!.phase).toBe('Running');
    expect(pod.status!.conditions!.find((c) => c.type === 'Initialized')!.status).toBe('True');
    expect(pod.status!.initContainerStatuses!.map((s) => s.state.terminated?.reason)).toEqual(['Completed', 'Completed']);
    expect(await shown('init')).toEqual(['1/1', 'Running']);
    // Done is done: a restart of the app container does not run the init containers again.
    finish('init', 'main', 1);
    await f.settle();
    expect(f.containersOf('init', 'first')).toHaveLength(1);
    expect(running('init', 'main')).toHaveLength(1);
  });

  it('shows PodInitializing between the last init container and the app`s start', async () => {
    let release!: () => void;
    f.runtime.pullGate = new Promise<void>((r) => (release = r));
    f.runtime.behavior = (spec) => (spec.labels[LABELS.containerName] === 'setup' ? { exitCode: 0 } : undefined);
    await f.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'slowpull', namespace: 'default' }, spec: { nodeName: 'node-a', initContainers: [{ name: 'setup', image: IMAGE }], containers: [{ name: 'main', image: 'example.com/app:1' }] } });
    // The kubelet is busy pulling (not idle): let it get there.
    // Bounded by time, not by turns: on a loaded machine the kubelet's own I/O takes longer to come back.
    for (const end = Date.now() + 10_000; Date.now() < end && (await shown('slowpull'))[1] !== 'PodInitializing'; ) await flush();
    expect(await shown('slowpull')).toEqual(['0/1', 'PodInitializing']);
    release();
    await f.settle();
    expect(await shown('slowpull')).toEqual(['1/1', 'Running']);
  });

  it('restarts a failing init container with back-off (Init:Error, then Init:CrashLoopBackOff)', async () => {
    f.runtime.behavior = (spec) => (spec.labels[LABELS.containerName] === 'setup' ? { exitCode: 3 } : undefined);
    await f.createPod('crashy', { initContainers: [{ name: 'setup', image: IMAGE }], containers: [{ name: 'main', image: IMAGE }] });
    // First failure: restarted at once (no back-off yet); second: back-off.
    await f.settle();
    expect(await shown('crashy')).toEqual(['0/1', 'Init:CrashLoopBackOff']);
    const pod = await f.pod('crashy');
    expect(pod.status!.initContainerStatuses![0]!.lastState.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(pod.status!.phase).toBe('Pending');
    expect(f.containersOf('crashy', 'main')).toHaveLength(0);
    f.runtime.behavior = () => undefined;
    await f.advance(10_000);
    finish('crashy', 'setup', 0);
    await f.settle();
    expect(running('crashy', 'main')).toHaveLength(1);
  });

  it('fails the pod when an init container fails under restartPolicy Never', async () => {
    f.runtime.behavior = (spec) => (spec.labels[LABELS.containerName] === 'setup' ? { exitCode: 1 } : undefined);
    await f.createPod('never', { restartPolicy: 'Never', initContainers: [{ name: 'setup', image: IMAGE }], containers: [{ name: 'main', image: IMAGE }] });
    await f.settle();
    const pod = await f.pod('never');
    expect(pod.status!.phase).toBe('Failed');
    expect(await shown('never')).toEqual(['0/1', 'Init:Error']);
    expect(f.containersOf('never', 'setup')).toHaveLength(1);
    expect(f.containersOf('never', 'main')).toHaveLength(0);
  });

  it('starts sidecars first and keeps them running beside the app', async () => {
    await f.createPod('side', {
      initContainers: [
        { name: 'proxy', image: IMAGE, restartPolicy: 'Always' },
        { name: 'migrate', image: IMAGE },
      ],
      containers: [{ name: 'main', image: IMAGE }],
    });
    expect(running('side', 'proxy')).toHaveLength(1);
    expect(running('side', 'migrate')).toHaveLength(1);
    // kubectl counts a started sidecar among the ready containers.
    expect(await shown('side')).toEqual(['1/2', 'Init:1/2']);
    finish('side', 'migrate', 0);
    await f.settle();
    expect(running('side', 'main')).toHaveLength(1);
    expect(await shown('side')).toEqual(['2/2', 'Running']);
    // A sidecar that dies is restarted, whatever the pod's restartPolicy.
    finish('side', 'proxy', 0);
    await f.settle();
    expect(running('side', 'proxy')).toHaveLength(1);
    expect(f.containersOf('side', 'migrate')).toHaveLength(1);
    const pod: Pod = await f.pod('side');
    expect(pod.status!.initContainerStatuses!.find((s) => s.name === 'proxy')!.restartCount).toBe(1);
  });
});
