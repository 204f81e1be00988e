// Time from applying a Deployment of N replicas to all N Running on the local
// engine, side by side in one run with N parallel `docker run -d`, N pods made by hand with the
// docker CLI (a sandbox container and one container joined to it, the same engine work as Skiff's)
// and `docker service create --replicas N` on Docker Swarm. Prints medians of several rounds and the ratios.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Pod } from '../src/orchestrator/api/types.js';
import { ensureBusybox } from '../e2e/support/images.js';
import { startTestControlPlane } from '../e2e/support/controlPlane.js';
import { PAUSE_COMMAND, PAUSE_IMAGE, PauseImage } from '../src/orchestrator/agent/net/pauseImage.js';
import { DockerRuntime } from '../src/orchestrator/agent/runtime/docker.js';

const run = promisify(execFile);
const N = Number(process.env.BENCH_REPLICAS ?? 30);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const IMAGE = 'local/busybox:1';

async function docker(...args: string[]): Promise<string> {
  return (await run('docker', args, { maxBuffer: 16 << 20 })).stdout.trim();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function removeByLabel(label: string): Promise<void> {
  const ids = (await docker('ps', '-aq', '--filter', `label=${label}`)).split('\n').filter(Boolean);
  if (ids.length) await docker('rm', '-f', ...ids);
}

async function benchDockerRun(): Promise<number> {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: N }, (_, i) => docker('run', '-d', '--label', 'skiff.bench=run', '--name', `skiff-bench-run-${i}`, IMAGE, 'sleep', '3600')));
  const ms = performance.now() - t0;
  await removeByLabel('skiff.bench=run');
  return ms;
}

/** N pod-shaped pairs, as the agent makes them: a pause container, then a container in its network. */
async function benchDockerPods(): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: N }, async (_, i) => {
      const sandbox = await docker('run', '-d', '--label', 'skiff.bench=pods', '--name', `skiff-bench-pod-${i}`, PAUSE_IMAGE, ...PAUSE_COMMAND);
      await docker('run', '-d', '--label', 'skiff.bench=pods', '--name', `skiff-bench-pod-${i}-main`, '--network', `container:${sandbox}`, IMAGE, 'sleep', '3600');
    }),
  );
  const ms = performance.now() - t0;
  await removeByLabel('skiff.bench=pods');
  return ms;
}

async function benchSwarm(): Promise<number | undefined> {
  const state = await docker('info', '--format', '{{.Swarm.LocalNodeState}}');
  if (state !== 'active') {
    try {
      await docker('swarm', 'init', '--advertise-addr', '127.0.0.1');
    } catch (e) {
      console.log(`  (Docker Swarm unavailable: ${(e as Error).message.split('\n')[0]})`);
      return undefined;
    }
  }
  const t0 = performance.now();
  await docker('service', 'create', '--detach', '--name', 'skiff-bench', '--replicas', String(N), IMAGE, 'sleep', '3600');
  for (;;) {
    const line = await docker('service', 'ls', '--filter', 'name=skiff-bench', '--format', '{{.Replicas}}');
    if (line.startsWith(`${N}/${N}`)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const ms = performance.now() - t0;
  await docker('service', 'rm', 'skiff-bench');
  // Wait for the tasks' containers to go, so the next round starts clean.
  for (let i = 0; i < 100; i++) {
    if (!(await docker('ps', '-q', '--filter', 'label=com.docker.swarm.service.name=skiff-bench'))) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  if (state !== 'active') await docker('swarm', 'leave', '--force');
  return ms;
}

async function benchSkiff(round: number): Promise<number> {
  const t = await startTestControlPlane({ localNode: 'on', localNodeName: 'skiff-bench' });
  try {
    const name = `bench-${round}`;
    const manifest = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'default' },
      spec: {
        replicas: N,
        selector: { matchLabels: { app: name } },
        template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] } },
      },
    };
    const t0 = performance.now();
    await t.cp.client.create('deployments', manifest);
    for (;;) {
      const pods = await t.cp.client.list<Pod>('pods', { namespace: 'default', labelSelector: `app=${name}` });
      if (pods.items.filter((p) => p.status?.phase === 'Running').length >= N) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const ms = performance.now() - t0;
    await t.cp.client.delete('deployments', 'default', name);
    return ms;
  } finally {
    await t.stop();
    await removeByLabel('io.skiff.node=skiff-bench');
  }
}

/** Deployment of N replicas to all Running, against docker run, docker pods by hand and Swarm. */
export async function deploymentBench(): Promise<void> {
  await ensureBusybox();
  await new PauseImage(new DockerRuntime()).ensure();
  console.log(`Skiff bench: ${N} replicas of ${IMAGE} on the local engine, ${ROUNDS} rounds each\n`);
  const skiff: number[] = [];
  const runs: number[] = [];
  const pods: number[] = [];
  const swarm: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    skiff.push(await benchSkiff(r));
    runs.push(await benchDockerRun());
    pods.push(await benchDockerPods());
    const s = await benchSwarm();
    if (s !== undefined) swarm.push(s);
    const sec = (x: number | undefined) => `${((x as number) / 1000).toFixed(2)} s`;
    console.log(`round ${r + 1}: skiff ${sec(skiff[r])}, docker run ${sec(runs[r])}, docker pods ${sec(pods[r])}${s !== undefined ? `, swarm ${sec(s)}` : ''}`);
  }
  const ms = median(skiff);
  const mr = median(runs);
  console.log('\nmedian time to all replicas running');
  console.log(`  skiff deployment      ${(ms / 1000).toFixed(2)} s`);
  console.log(`  ${N} x docker run -d    ${(mr / 1000).toFixed(2)} s   (skiff / docker run = ${(ms / mr).toFixed(2)})`);
  const mp = median(pods);
  console.log(`  ${N} pods by docker CLI ${(mp / 1000).toFixed(2)} s   (skiff / docker pods = ${(ms / mp).toFixed(2)}; sandbox + container each)`);
  if (swarm.length) {
    const mw = median(swarm);
    console.log(`  docker swarm service  ${(mw / 1000).toFixed(2)} s   (skiff / swarm = ${(ms / mw).toFixed(2)})`);
  }
}
