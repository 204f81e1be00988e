import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PAUSE_IMAGE } from '../net/pauseImage.js';
import { isSandbox } from '../net/sandbox.js';
import { LABELS } from '../runtime/types.js';
import { IMAGE, NODE, NODE_IP, kubeletFixture, type KubeletFixture } from '../testing/kubeletFixture.js';
import { eventually } from '../../testing/eventually.js';

let f: KubeletFixture;
beforeEach(async () => {
  f = await kubeletFixture();
});
afterEach(() => f.dispose());

describe('Kubelet: starting pods', () => {
  it("creates the pod's sandbox, starts every container in it, and reports Running", async () => {
    await f.createPod('web', {
      containers: [
        {
          name: 'main',
          image: IMAGE,
          command: ['sh', '-c'],
          args: ['echo hi; sleep 3600'],
          env: [{ name: 'GREETING', value: 'hello' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          ports: [{ containerPort: 80 }],
          resources: { limits: { cpu: '500m', memory: '64Mi' } },
          workingDir: '/tmp',
        },
        { name: 'side', image: IMAGE, args: ['sleep', '3600'], ports: [{ containerPort: 53, protocol: 'UDP' }] },
      ],
    });
    const [main] = f.containersOf('web', 'main');
    const [side] = f.containersOf('web', 'side');
    expect(main?.running).toBe(true);
    expect(side?.running).toBe(true);
    const ms = f.runtime.spec(main!.id)!;
    expect(ms.entrypoint).toEqual(['sh', '-c']);
    expect(ms.cmd).toEqual(['echo hi; sleep 3600']);
    expect(ms.env).toEqual(['GREETING=hello', 'POD=web']);
    expect(ms.nanoCpus).toBe(500_000_000);
    expect(ms.memoryBytes).toBe(64 * 1024 * 1024);
    expect(ms.workingDir).toBe('/tmp');
    expect(ms.labels).toMatchObject({ [LABELS.managed]: 'true', [LABELS.node]: NODE, [LABELS.podName]: 'web', [LABELS.podNamespace]: 'default', [LABELS.containerName]: 'main', [LABELS.attempt]: '0' });
    // The sandbox holds the network: hostname, every container's ports, the pod IP.
    const [sandbox] = f.sandboxesOf('web');
    expect(sandbox?.running).toBe(true);
    const sb = f.runtime.spec(sandbox!.id)!;
    expect(sb.image).toBe(PAUSE_IMAGE);
    expect(sb.entrypoint).toEqual(['/pause']);
    expect(sb.hostname).toBe('web');
    expect(sb.networkMode).toBeUndefined();
    expect(sb.exposedPorts).toEqual([{ port: 80, protocol: 'tcp' }, { port: 53, protocol: 'udp' }]);
    expect(sb.labels).toMatchObject({ [LABELS.managed]: 'true', [LABELS.node]: NODE, [LABELS.podName]: 'web', [LABELS.sandbox]: 'true', [LABELS.attempt]: '0' });
    expect(sb.labels[LABELS.containerName]).toBeUndefined();
    expect(f.runtime.imports).toEqual([PAUSE_IMAGE]);
    expect(ms.networkMode).toBe(`container:${sandbox!.id}`);
    const ss = f.runtime.spec(side!.id)!;
    expect(ss.networkMode).toBe(`container:${sandbox!.id}`);
    expect(ss.entrypoint).toBeUndefined();
    expect(ss.cmd).toEqual(['sleep', '3600']);

    const pod = await f.pod('web');
    expect(ss.labels[LABELS.podUid]).toBe(pod.metadata.uid);
    const st = pod.status!;
    expect(st.phase).toBe('Running');
    expect(st.hostIP).toBe(NODE_IP);
    expect(st.podIP).toBe(sandbox!.ip);
    expect(st.podIPs).toEqual([{ ip: sandbox!.ip }]);
    expect(st.startTime).toBeDefined();
    expect(Object.fromEntries(st.conditions!.map((c) => [c.type, c.status]))).toEqual({ Initialized: 'True', Ready: 'True', ContainersReady: 'True', PodScheduled: 'True' });
    expect(st.containerStatuses).toHaveLength(2);
    const cs = st.containerStatuses![0]!;
    expect(cs).toMatchObject({ name: 'main', ready: true, started: true, restartCount: 0, image: IMAGE, containerID: `docker://${main!.id}`, imageID: `docker://${main!.imageId}`, lastState: {} });
    expect(cs.state.running?.startedAt).toBeDefined();
    const reasons = (await f.events('web')).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['Pulled', 'Created', 'Started']));
  });

  it('starts a pod once the scheduler binds it here', async () => {
    await f.createPod('later', {}, '');
    expect(f.containersOf('later')).toHaveLength(0);
    await f.client.bind('default', 'later', NODE);
    await f.settle();
    expect(f.containersOf('later')).toHaveLength(1);
    expect((await f.pod('later')).status?.phase).toBe('Running');
  });

  it('ignores pods bound to other nodes', async () => {
    await f.createPod('elsewhere', {}, 'node-b');
    expect(f.containersOf('elsewhere')).toHaveLength(0);
    expect((await f.pod('elsewhere')).status?.containerStatuses).toBeUndefined();
  });

  it('writes status only when it changes', async () => {
    await f.createPod('quiet');
    const writes = f.counts.statusWrites;
    expect(writes).toBeGreaterThan(0);
    await f.advance(60_000, 5_000); // six resyncs
    expect(f.counts.statusWrites).toBe(writes);
  });
});

describe('Kubelet: Service variables', () => {
  it('gives containers the Service variables, which $(VAR) sees in env values, command and args; the container`s own win', async () => {
    await f.dispose();
    f = await kubeletFixture({ serviceEnv: () => ['KUBERNETES_SERVICE_HOST=10.96.0.1', 'KUBERNETES_SERVICE_PORT=443', 'WEB_SERVICE_HOST=10.96.0.7'] });
    await f.createPod('svc', {
      containers: [
        {
          name: 'main',
          image: IMAGE,
          command: ['sh', '-c', 'echo $(WEB_SERVICE_HOST)'],
          args: ['$(KUBERNETES_SERVICE_PORT)'],
          env: [
            { name: 'API', value: 'https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)' },
            { name: 'WEB_SERVICE_HOST', value: 'mine' },
          ],
        },
      ],
    });
    const [main] = f.containersOf('svc', 'main');
    const spec = f.runtime.spec(main!.id)!;
    expect(spec.entrypoint).toEqual(['sh', '-c', 'echo mine']);
    expect(spec.cmd).toEqual(['443']);
    expect([...(spec.env ?? [])].sort()).toEqual(['API=https://10.96.0.1:443', 'KUBERNETES_SERVICE_HOST=10.96.0.1', 'KUBERNETES_SERVICE_PORT=443', 'WEB_SERVICE_HOST=mine']);
  });
});

describe('Kubelet: restarts', () => {
  const cases = [
    { policy: 'Always', exitCode: 0, restarts: true, phase: 'Running', reason: undefined },
    { policy: 'Always', exitCode: 137, restarts: true, phase: 'Running', reason: undefined },
    { policy: 'OnFailure', exitCode: 0, restarts: false, phase: 'Succeeded', reason: 'Completed' },
    { policy: 'OnFailure', exitCode: 1, restarts: true, phase: 'Running', reason: undefined },
    { policy: 'Never', exitCode: 0, restarts: false, phase: 'Succeeded', reason: 'Completed' },
    { policy: 'Never', exitCode: 2, restarts: false, phase: 'Failed', reason: 'Error' },
  ] as const;
  it.each(cases)('restartPolicy $policy, exit $exitCode: restarts=$restarts, phase $phase', async ({ policy, exitCode, restarts, phase, reason }) => {
    await f.createPod('p', { restartPolicy: policy });
    const first = f.containersOf('p')[0]!;
    f.runtime.crash(first.id, exitCode);
    await f.settle();
    const all = f.containersOf('p');
    const pod = await f.pod('p');
    const cs = pod.status!.containerStatuses![0]!;
    expect(pod.status!.phase).toBe(phase);
    if (restarts) {
      expect(all).toHaveLength(2);
      expect(all[1]!.running).toBe(true);
      expect(cs.restartCount).toBe(1);
      expect(cs.state.running).toBeDefined();
      expect(cs.lastState.terminated).toMatchObject({ exitCode, containerID: `docker://${first.id}` });
    } else {
      expect(all).toHaveLength(1);
      expect(cs.restartCount).toBe(0);
      expect(cs.state.terminated).toMatchObject({ exitCode, reason });
      expect(pod.status!.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
      // A finished pod stays finished.
      await f.advance(30_000, 10_000);
      expect(f.containersOf('p')).toHaveLength(1);
    }
  });

  it('backs off 10s, 20s, 40s ... capped at 5 minutes, with CrashLoopBackOff and BackOff events', async () => {
    f.runtime.behavior = (spec) => (isSandbox(spec.labels) ? undefined : { exitCode: 1 });
    await f.createPod('crashy');
    // The first failure restarts at once (as the kubelet does); then the delays grow.
    expect((await f.pod('crashy')).status!.containerStatuses![0]!.restartCount).toBe(1);
    const delays: number[] = [];
    let last = f.clock.now();
    for (let restarts = 1; restarts < 9; ) {
      await f.advance(1_000);
      const cs = (await f.pod('crashy')).status!.containerStatuses![0]!;
      if (cs.restartCount > restarts) {
        delays.push(Math.round((f.clock.now() - last) / 1000));
        last = f.clock.now();
        restarts = cs.restartCount;
      } else {
        expect(cs.state.waiting?.reason).toBe('CrashLoopBackOff');
        expect(cs.lastState.terminated?.exitCode).toBe(1);
      }
    }
    expect(delays).toEqual([10, 20, 40, 80, 160, 300, 300, 300]);
    // Only the current run and the one before it are kept.
    expect(f.containersOf('crashy')).toHaveLength(2);
    const events = await f.events('crashy');
    expect(events.find((e) => e.reason === 'BackOff')).toMatchObject({ type: 'Warning' });
    expect(events.find((e) => e.reason === 'Started')!.count).toBeGreaterThan(5);
  });

  it('forgets the back-off once a container ran for 10 minutes', async () => {
    await f.createPod('flaky');
    for (let i = 0; i < 3; i++) {
      f.runtime.crash(f.containersOf('flaky').at(-1)!.id, 1);
      await f.advance(60_000, 1_000);
    }
    expect((await f.pod('flaky')).status!.containerStatuses![0]!.restartCount).toBe(3);
    await f.advance(11 * 60_000, 60_000);
    f.runtime.crash(f.containersOf('flaky').at(-1)!.id, 1);
    await f.settle();
    const cs = (await f.pod('flaky')).status!.containerStatuses![0]!;
    expect(cs.restartCount).toBe(4);
    expect(cs.state.running).toBeDefined();
  });

  it('notices a container killed behind its back on the periodic resync, without engine events', async () => {
    await f.createPod('quiet');
    f.runtime.eventsEnabled = false;
    f.runtime.crash(f.containersOf('quiet')[0]!.id, 137);
    await f.settle();
    expect(f.containersOf('quiet')).toHaveLength(1);
    await f.advance(10_000);
    expect(f.containersOf('quiet')).toHaveLength(2);
    expect((await f.pod('quiet')).status!.containerStatuses![0]!.restartCount).toBe(1);
  });

  it('reports a start failure as a StartError run and backs off', async () => {
    f.runtime.behavior = (spec) => (isSandbox(spec.labels) ? undefined : { startError: 'exec: "nope": executable file not found in $PATH' });
    await f.createPod('bad', { containers: [{ name: 'main', image: IMAGE, command: ['nope'] }] });
    const cs = (await f.pod('bad')).status!.containerStatuses![0]!;
    expect(cs.lastState.terminated).toMatchObject({ reason: 'StartError', message: expect.stringContaining('executable file not found') });
    expect(cs.state.waiting?.reason).toBe('CrashLoopBackOff');
    expect((await f.events('bad')).some((e) => e.reason === 'Failed' && e.message?.includes('failed to start container'))).toBe(true);
  });

  it('replaces a running container whose image changed', async () => {
    await f.createPod('upd');
    f.runtime.addImage('local/other:2');
    const pod = await f.pod('upd');
    pod.spec.containers[0]!.image = 'local/other:2';
    await f.client.update('pods', pod);
    await f.settle();
    const all = f.containersOf('upd');
    expect(all).toHaveLength(2);
    expect(all[0]!.running).toBe(false);
    expect(all[1]).toMatchObject({ running: true, image: 'local/other:2' });
    expect((await f.events('upd')).some((e) => e.reason === 'Killing')).toBe(true);
  });
});

describe('Kubelet: images', () => {
  const cases = [
    { policy: 'IfNotPresent', present: true, pulls: 0, waiting: undefined },
    { policy: 'IfNotPresent', present: false, pulls: 1, waiting: undefined },
    { policy: 'Always', present: true, pulls: 1, waiting: undefined },
    { policy: 'Never', present: true, pulls: 0, waiting: undefined },
    { policy: 'Never', present: false, pulls: 0, waiting: 'ErrImageNeverPull' },
  ] as const;
  it.each(cases)('imagePullPolicy $policy, present=$present: $pulls pull(s)', async ({ policy, present, pulls, waiting }) => {
    if (present) f.runtime.addImage('local/app:3');
    await f.createPod('img', { containers: [{ name: 'main', image: 'local/app:3', imagePullPolicy: policy }] });
    expect(f.runtime.pulls).toHaveLength(pulls);
    const cs = (await f.pod('img')).status!.containerStatuses![0]!;
    if (waiting) expect(cs.state.waiting?.reason).toBe(waiting);
    else expect(cs.state.running).toBeDefined();
  });

  it('defaults to Always for :latest and untagged images', async () => {
    await f.createPod('latest', { containers: [{ name: 'main', image: 'local/app' }] });
    expect(f.runtime.pulls).toEqual(['local/app:latest']);
  });

  it('reports ErrImagePull, then ImagePullBackOff without pulling, then pulls again after the back-off', async () => {
    f.runtime.pullErrors.set('local/missing:1', 'pull access denied for local/missing');
    await f.createPod('miss', { containers: [{ name: 'main', image: 'local/missing:1' }] });
    let pod = await f.pod('miss');
    expect(pod.status!.phase).toBe('Pending');
    expect(pod.status!.containerStatuses![0]!.state.waiting).toMatchObject({ reason: 'ErrImagePull', message: expect.stringContaining('pull access denied') });
    expect(f.runtime.pulls).toHaveLength(1);
    f.kubelet.resync();
    await f.advance(2_000);
    pod = await f.pod('miss');
    expect(pod.status!.containerStatuses![0]!.state.waiting?.reason).toBe('ImagePullBackOff');
    expect(f.runtime.pulls).toHaveLength(1);
    f.runtime.pullErrors.clear();
    await f.advance(9_000);
    expect(f.runtime.pulls).toHaveLength(2);
    expect((await f.pod('miss')).status!.phase).toBe('Running');
    const reasons = (await f.events('miss')).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(['Pulling', 'Failed', 'BackOff', 'Pulled']));
  });
});

describe('Kubelet: pod sandbox', () => {
  it('keeps the pod IP while its containers crash and restart', async () => {
    await f.createPod('steady', { containers: [{ name: 'a', image: IMAGE }, { name: 'b', image: IMAGE }] });
    const ip = (await f.pod('steady')).status!.podIP;
    expect(ip).toBe(f.sandboxesOf('steady')[0]!.ip);
    f.runtime.crash(f.containersOf('steady', 'a')[0]!.id, 1);
    await f.settle();
    const pod = await f.pod('steady');
    expect(pod.status!.containerStatuses!.map((c) => [c.name, c.restartCount, !!c.state.running])).toEqual([['a', 1, true], ['b', 0, true]]);
    expect(pod.status!.podIP).toBe(ip);
    // b never lost its network: it was not touched.
    expect(f.containersOf('steady', 'b')).toHaveLength(1);
    expect(f.sandboxesOf('steady')).toHaveLength(1);
  });

  it('replaces a sandbox that died, restarts the containers in the new one, and removes the old', async () => {
    await f.createPod('reborn', { containers: [{ name: 'a', image: IMAGE }, { name: 'b', image: IMAGE }] });
    const old = f.sandboxesOf('reborn')[0]!;
    f.runtime.crash(old.id, 137);
    await f.settle();
    const [now, ...rest] = f.sandboxesOf('reborn');
    expect(rest).toEqual([]);
    expect(now!.id).not.toBe(old.id);
    expect(now!.labels[LABELS.attempt]).toBe('1');
    expect(now!.running).toBe(true);
    for (const name of ['a', 'b']) {
      const runs = f.containersOf('reborn', name);
      expect(runs.filter((c) => c.running).map((c) => c.networkMode)).toEqual([`container:${now!.id}`]);
    }
    const pod = await f.pod('reborn');
    expect(pod.status!.podIP).toBe(now!.ip);
    expect(pod.status!.containerStatuses!.map((c) => c.restartCount)).toEqual([1, 1]);
    const events = await f.events('reborn');
    expect(events.filter((e) => e.reason === 'SandboxChanged').map((e) => e.message)).toEqual(['Pod sandbox changed, it will be killed and re-created.']);
    expect(events.filter((e) => e.reason === 'Killing').map((e) => e.message)).toEqual(["Container a is not in the pod's current sandbox, will be restarted", "Container b is not in the pod's current sandbox, will be restarted"]);
  });

  it('with hostNetwork, runs the pod in the host network and reports the node IP', async () => {
    await f.createPod('hostnet', { hostNetwork: true });
    const sb = f.runtime.spec(f.sandboxesOf('hostnet')[0]!.id)!;
    expect(sb.networkMode).toBe('host');
    expect(sb.hostname).toBeUndefined();
    const pod = await f.pod('hostnet');
    expect(pod.status!.phase).toBe('Running');
    expect(pod.status!.podIP).toBe(NODE_IP);
  });

  it('a sandbox that cannot start is an event and a retry with back-off, never a busy loop', async () => {
    f.runtime.behavior = (spec) => (isSandbox(spec.labels) ? { startError: 'failed to set up the network' } : undefined);
    await f.createPod('nonet');
    const sandboxCreates = () => f.runtime.all().filter((c) => isSandbox(c.labels)).length;
    expect(sandboxCreates()).toBe(0); // the failed one is removed
    let pod = await f.pod('nonet');
    expect(pod.status?.podIP).toBeUndefined();
    expect(pod.status?.containerStatuses?.[0]?.state.waiting?.reason).toBe('ContainerCreating');
    const failures = async () => (await f.events('nonet')).filter((e) => e.reason === 'FailedCreatePodSandBox');
    expect((await failures()).map((e) => [e.type, e.message, e.count ?? 1])).toEqual([['Warning', 'Failed to create pod sandbox: failed to set up the network', 1]]);
    await f.advance(5_000);
    expect((await failures())[0]?.count ?? 1).toBe(1);
    f.runtime.behavior = () => undefined;
    await f.advance(6_000);
    pod = await f.pod('nonet');
    expect(pod.status!.phase).toBe('Running');
    expect(pod.status!.podIP).toBe(f.sandboxesOf('nonet')[0]!.ip);
  });

  it("stops a finished pod's sandbox and keeps its containers for their logs", async () => {
    await f.createPod('done', { restartPolicy: 'Never' });
    f.runtime.crash(f.containersOf('done')[0]!.id, 0);
    await f.settle();
    await f.advance(10_000);
    expect((await f.pod('done')).status!.phase).toBe('Succeeded');
    expect(f.sandboxesOf('done').map((s) => s.running)).toEqual([false]);
    expect(f.containersOf('done')).toHaveLength(1);
  });
});

describe('Kubelet: deletion, orphans, adoption', () => {
  it('stops containers with the grace period, removes them, then deletes the pod', async () => {
    await f.createPod('bye', { terminationGracePeriodSeconds: 7, containers: [{ name: 'a', image: IMAGE }, { name: 'b', image: IMAGE }] });
    const ids = f.containersOf('bye').map((c) => c.id);
    expect(ids).toHaveLength(2);
    await f.client.delete('pods', 'default', 'bye');
    await f.settle();
    expect(f.containersOf('bye')).toHaveLength(0);
    expect(f.sandboxesOf('bye')).toHaveLength(0);
    expect(f.runtime.stops.filter((s) => ids.includes(s.id)).map((s) => s.graceSeconds)).toEqual([7, 7]);
    await expect(f.pod('bye')).rejects.toMatchObject({ code: 404 });
    expect((await f.events('bye')).filter((e) => e.reason === 'Killing')).toHaveLength(2);
  });

  it('honours a shorter grace period given on delete', async () => {
    await f.createPod('quick');
    await f.client.delete('pods', 'default', 'quick', { gracePeriodSeconds: 1 });
    await f.settle();
    expect(f.runtime.stops.at(-1)?.graceSeconds).toBe(1);
    await expect(f.pod('quick')).rejects.toMatchObject({ code: 404 });
  });

  it('removes containers of pods that no longer exist, and only its own', async () => {
    await f.createPod('kept');
    // Left behind by a pod force-deleted while the agent was away, another node's agent, and a user.
    const labels = { [LABELS.managed]: 'true', [LABELS.podNamespace]: 'default', [LABELS.podName]: 'gone', [LABELS.podUid]: 'u-gone', [LABELS.containerName]: 'main' };
    const orphan = await f.runtime.create({ name: 'orphan', image: IMAGE, labels: { ...labels, [LABELS.node]: NODE } });
    const foreign = await f.runtime.create({ name: 'foreign', image: IMAGE, labels: { ...labels, [LABELS.node]: 'node-b' } });
    const user = await f.runtime.create({ name: 'user', image: IMAGE, labels: {} });
    await f.advance(10_000);
    const left = f.runtime.all().map((c) => c.id);
    expect(left).not.toContain(orphan);
    expect(left).toEqual(expect.arrayContaining([foreign, user, f.containersOf('kept')[0]!.id]));
  });

  it('removes the containers of a force-deleted pod, and of an earlier pod of the same name', async () => {
    await f.createPod('same');
    const old = f.containersOf('same')[0]!.id;
    await f.client.delete('pods', 'default', 'same', { gracePeriodSeconds: 0 });
    await f.settle();
    expect(f.runtime.all().map((c) => c.id)).not.toContain(old);

    await f.createPod('again');
    const before = f.containersOf('again')[0]!.id;
    f.kubelet.stop(); // the agent is away while the pod is replaced
    await f.client.delete('pods', 'default', 'again', { gracePeriodSeconds: 0 });
    await f.createPod('again');
    await f.restartKubelet();
    const now = f.containersOf('again');
    expect(now.map((c) => c.id)).not.toContain(before);
    expect(now).toHaveLength(1);
    expect(now[0]!.labels[LABELS.podUid]).toBe((await f.pod('again')).metadata.uid);
  });

  it('adopts running containers after an agent restart, keeping ids and restart counts', async () => {
    await f.createPod('keep', { containers: [{ name: 'a', image: IMAGE }, { name: 'b', image: IMAGE }] });
    f.runtime.crash(f.containersOf('keep', 'a')[0]!.id, 1);
    await f.settle();
    const before = f.runtime.all().filter((c) => c.running).map((c) => c.id).sort();
    const restartsBefore = (await f.pod('keep')).status!.containerStatuses!.map((c) => c.restartCount);
    expect(restartsBefore).toEqual([1, 0]);
    const created = f.runtime.all().length;
    await f.restartKubelet();
    await f.advance(30_000, 10_000);
    expect(f.runtime.all().filter((c) => c.running).map((c) => c.id).sort()).toEqual(before);
    expect(f.runtime.all()).toHaveLength(created);
    expect((await f.pod('keep')).status!.containerStatuses!.map((c) => c.restartCount)).toEqual([1, 0]);
  });

  it('stops without starting what it had not started: a sync in flight ends at its next step, and stop() waits for it', async () => {
    let release!: () => void;
    f.runtime.pullGate = new Promise<void>((r) => (release = r));
    await f.client.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'late', namespace: 'default' }, spec: { nodeName: NODE, containers: [{ name: 'main', image: 'example.com/app:1' }] } });
    await eventually('the kubelet pulls the image', async () => f.runtime.pulls.includes('example.com/app:1'), 10_000, 5);
    const before = f.runtime.all().map((c) => c.id);
    let stopped = false;
    const stopping = f.kubelet.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false);
    release();
    await stopping;
    // The pull finished; no container of the pod was created after it.
    expect(f.runtime.all().map((c) => c.id)).toEqual(before);
    expect(f.containersOf('late', 'main')).toHaveLength(0);
  });

  it('never removes containers before it has listed its pods', async () => {
    await f.createPod('slow');
    const id = f.containersOf('slow')[0]!.id;
    f.kubelet.stop();
    // An API that does not answer yet: the new agent cannot know which pods exist.
    const { Kubelet } = await import('./Kubelet.js');
    const { silentLogger } = await import('../../util/logger.js');
    const hanging = { ...f.client, list: () => new Promise<never>(() => {}) } as unknown as typeof f.client;
    const k = new Kubelet({ client: hanging, runtime: f.runtime, clock: f.clock, log: silentLogger, recorder: { record() {} }, nodeName: NODE, nodeIP: NODE_IP, dataDir: f.dataDir, memoryDir: f.memoryDir });
    k.start();
    await f.clock.advance(30_000);
    await k.resync();
    expect(f.runtime.all().map((c) => c.id)).toContain(id);
    k.stop();
  });
});
