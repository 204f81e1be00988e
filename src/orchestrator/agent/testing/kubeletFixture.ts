import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Container, KubeEvent, KubeObject, Pod, PodSpec } from '../../api/types.js';
import type { Prober } from '../kubelet/probes/prober.js';
import type { Client } from '../../client/types.js';
import { EventRecorder } from '../../client/events.js';
import { memoryCluster } from '../../testing/memoryCluster.js';
import { flush, FakeClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import { Kubelet } from '../kubelet/Kubelet.js';
import { isSandbox } from '../net/sandbox.js';
import { FakeRuntime } from '../runtime/fake.js';
import { LABELS } from '../runtime/types.js';

export const NODE = 'node-a';
export const NODE_IP = '192.0.2.10';
export const IMAGE = 'local/busybox:1';

/** Counts status writes, so tests can check the agent writes only on change. */
function countingClient(inner: Client, counts: { statusWrites: number }): Client {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (prop === 'updateStatus') {
        return (resource: string, obj: KubeObject) => {
          if (resource === 'pods') counts.statusWrites++;
          return target.updateStatus(resource, obj);
        };
      }
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/**
 * A kubelet on the fake runtime, talking to a real in-memory control plane, on a fake clock.
 * `settle()` lets every watch event, queued sync and event write finish without moving time.
 */
export async function kubeletFixture(opts: { prober?: Prober; serviceEnv?: (pod: Pod) => string[] } = {}) {
  const clock = new FakeClock();
  const cluster = await memoryCluster(clock);
  const runtime = new FakeRuntime(clock);
  runtime.addImage(IMAGE);
  const counts = { statusWrites: 0 };
  const client = countingClient(cluster.client, counts);
  const recorder = new EventRecorder({ client: cluster.client, clock, log: silentLogger, component: 'kubelet', host: NODE });
  const kubelets: Kubelet[] = [];
  // Real directories: the agent writes volume files itself (the memory one on /dev/shm, a tmpfs).
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-kubelet-data-'));
  const memoryDir = mkdtempSync('/dev/shm/skiff-kubelet-test-');

  const newKubelet = () => {
    const k = new Kubelet({ client, runtime, clock, log: silentLogger, recorder, nodeName: NODE, nodeIP: NODE_IP, dataDir, memoryDir, ...(opts.prober ? { prober: opts.prober } : {}), ...(opts.serviceEnv ? { serviceEnv: opts.serviceEnv } : {}) });
    kubelets.push(k);
    k.start();
    return k;
  };
  let kubelet = newKubelet();

  const settle = async () => {
    for (let i = 0; i < 8; i++) {
      await flush();
      await Promise.all(kubelets.map((k) => k.idle()));
      await recorder.idle();
    }
  };
  await settle();

  return {
    clock,
    cluster,
    client: cluster.client,
    runtime,
    counts,
    get kubelet() {
      return kubelet;
    },
    settle,
    /** Moves the clock in steps (so timers fire in order) and settles after each. */
    async advance(ms: number, step = 1_000) {
      for (let t = 0; t < ms; t += step) {
        await clock.advance(Math.min(step, ms - t));
        await settle();
      }
    },
    /** Stops the current kubelet and starts a fresh one on the same engine (an agent restart). */
    async restartKubelet() {
      await kubelet.stop();
      kubelets.splice(kubelets.indexOf(kubelet), 1);
      kubelet = newKubelet();
      await settle();
      return kubelet;
    },
    /** Creates a pod bound to `nodeName` (`''`: unbound), and settles. */
    async createPod(name: string, spec: Partial<PodSpec> & { containers?: Container[] } = {}, nodeName = NODE): Promise<Pod> {
      const pod = await cluster.client.create<Pod>('pods', {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default' },
        spec: { containers: [{ name: 'main', image: IMAGE }], ...(nodeName ? { nodeName } : {}), ...spec },
      });
      await settle();
      return pod;
    },
    pod(name: string): Promise<Pod> {
      return cluster.client.get<Pod>('pods', 'default', name);
    },
    /** Engine containers of a pod (by name), oldest attempt first; not its sandboxes. */
    containersOf(podName: string, container?: string) {
      return runtime
        .all()
        .filter((c) => c.labels[LABELS.podName] === podName && !isSandbox(c.labels) && (!container || c.labels[LABELS.containerName] === container))
        .sort((a, b) => Number(a.labels[LABELS.attempt]) - Number(b.labels[LABELS.attempt]));
    },
    /** A pod's sandbox containers, oldest attempt first. */
    sandboxesOf(podName: string) {
      return runtime
        .all()
        .filter((c) => c.labels[LABELS.podName] === podName && isSandbox(c.labels))
        .sort((a, b) => Number(a.labels[LABELS.attempt]) - Number(b.labels[LABELS.attempt]));
    },
    async events(podName: string): Promise<KubeEvent[]> {
      await recorder.idle();
      const list = await cluster.client.list<KubeEvent>('events', { namespace: 'default' });
      return list.items.filter((e) => e.involvedObject.name === podName);
    },
    dataDir,
    memoryDir,
    /** Stops the kubelets, lets a sync still in flight finish (it may be writing under the data directory), then removes the directories. */
    async dispose() {
      await Promise.all(kubelets.map((k) => k.stop()));
      await Promise.all(kubelets.map((k) => k.idle()));
      cluster.dispose();
      rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
      rmSync(memoryDir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

export type KubeletFixture = Awaited<ReturnType<typeof kubeletFixture>>;
