// Pod start time, apply to Ready, on the local engine: a plain pod beside pods with a ConfigMap
// volume, a Secret volume, an emptyDir and persistent claims (one already bound; one new per pod,
// provisioned by local-path on the node the scheduler picks, so that case includes scheduling and
// the helper pod), in one run, so the cost of setting volumes up is visible. Medians over
// BENCH_POD_ROUNDS pods of each kind (default 5), started one at a time.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Pod, PodSpec } from '../src/orchestrator/api/types.js';
import { startTestControlPlane } from '../e2e/support/controlPlane.js';

const run = promisify(execFile);
const ROUNDS = Number(process.env.BENCH_POD_ROUNDS ?? 5);
const IMAGE = 'local/busybox:1';
const NODE = 'skiff-bench-pods';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

const main = { name: 'main', image: IMAGE, imagePullPolicy: 'IfNotPresent' as const, command: ['sleep', '3600'] };

const KINDS: { label: string; claim?: boolean; spec: Partial<PodSpec> }[] = [
  { label: 'no volume', spec: { containers: [main] } },
  { label: 'ConfigMap volume', spec: { volumes: [{ name: 'v', configMap: { name: 'bench-config' } }], containers: [{ ...main, volumeMounts: [{ name: 'v', mountPath: '/etc/config' }] }] } },
  { label: 'Secret volume', spec: { volumes: [{ name: 'v', secret: { secretName: 'bench-secret' } }], containers: [{ ...main, volumeMounts: [{ name: 'v', mountPath: '/etc/secret' }] }] } },
  { label: 'emptyDir', spec: { volumes: [{ name: 'v', emptyDir: {} }], containers: [{ ...main, volumeMounts: [{ name: 'v', mountPath: '/scratch' }] }] } },
  { label: 'PVC, bound', spec: { volumes: [{ name: 'v', persistentVolumeClaim: { claimName: 'bench-bound' } }], containers: [{ ...main, volumeMounts: [{ name: 'v', mountPath: '/data' }] }] } },
  // `claim` marks the case whose claim is created with the pod; no nodeName: the scheduler picks the node for WaitForFirstConsumer.
  { label: 'PVC, provisioned', claim: true, spec: { containers: [{ ...main, volumeMounts: [{ name: 'v', mountPath: '/data' }] }] } },
];

function claim(name: string) {
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '16Mi' } } } };
}

/** Times from create to the pod's Ready condition, per kind of pod, in ms. */
export async function benchPodStart(): Promise<void> {
  console.log(`\nPod start (create to Ready), local engine, ${ROUNDS} pods of each kind, one at a time`);
  // The API's own token volume would be in every pod alike: leave it out to see what each volume costs.
  const vols = mkdtempSync(join(tmpdir(), 'skiff-bench-vols-'));
  const t = await startTestControlPlane({ localNode: 'on', localNodeName: NODE, controllers: { localPath: { basePath: vols, helperImage: IMAGE } } });
  const client = t.cp.client;
  try {
    await client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bench-config', namespace: 'default' }, data: { 'app.conf': 'mode=bench\n'.repeat(50) } });
    await client.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bench-secret', namespace: 'default' }, data: { password: Buffer.from('s3cret').toString('base64') } });
    // The bound claim is provisioned once, by a first pod, before the timed rounds.
    await client.create('persistentvolumeclaims', claim('bench-bound'));
    await startAndTime(client, 'bench-warm', KINDS.find((k) => k.label === 'PVC, bound')!.spec as PodSpec, false);
    await client.delete('pods', 'default', 'bench-warm');
    const times = new Map<string, number[]>(KINDS.map((k) => [k.label, []]));
    for (let r = 0; r < ROUNDS; r++) {
      // Interleaved, so a slow moment of the machine hits every kind alike.
      for (const [i, k] of KINDS.entries()) {
        const name = `bench-${i}-${r}`;
        const spec = { ...k.spec } as PodSpec;
        if (k.claim) {
          await client.create('persistentvolumeclaims', claim(name));
          spec.volumes = [{ name: 'v', persistentVolumeClaim: { claimName: name } }];
        }
        times.get(k.label)!.push(await startAndTime(client, name, spec, !k.claim));
        await client.delete('pods', 'default', name);
        if (k.claim) await client.delete('persistentvolumeclaims', 'default', name);
      }
    }
    const base = median(times.get('no volume')!);
    for (const k of KINDS) {
      const m = median(times.get(k.label)!);
      const extra = k.label === 'no volume' ? '' : `  (+${(m - base).toFixed(0)} ms)`;
      console.log(`  ${k.label.padEnd(18)} ${(m / 1000).toFixed(2)} s${extra}`);
    }
  } finally {
    await t.stop();
    const ids = (await run('docker', ['ps', '-aq', '--filter', `label=io.skiff.node=${NODE}`])).stdout.split('\n').filter(Boolean);
    if (ids.length) await run('docker', ['rm', '-f', ...ids]);
    const engineVols = (await run('docker', ['volume', 'ls', '-q', '--filter', `label=io.skiff.node=${NODE}`])).stdout.split('\n').filter(Boolean);
    if (engineVols.length) await run('docker', ['volume', 'rm', '-f', ...engineVols]);
    rmSync(vols, { recursive: true, force: true });
  }
}

type BenchClient = Awaited<ReturnType<typeof startTestControlPlane>>['cp']['client'];

/** Creates the pod (on the bench node, or through the scheduler) and resolves with ms from create to Ready. */
async function startAndTime(client: BenchClient, name: string, spec: PodSpec, pinned: boolean): Promise<number> {
  const ready = new Promise<number>((resolve) => {
    const w = client.watch<Pod>('pods', { namespace: 'default', fieldSelector: `metadata.name=${name}` }, (ev) => {
      if (ev.object.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) {
        w.dispose();
        resolve(performance.now());
      }
    });
  });
  const t0 = performance.now();
  await client.create<Pod>('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { ...(pinned ? { nodeName: NODE } : {}), automountServiceAccountToken: false, terminationGracePeriodSeconds: 0, ...spec } as PodSpec });
  return (await ready) - t0;
}
