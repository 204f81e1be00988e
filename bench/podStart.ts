// Pod start time, apply to Ready, on the local engine: a plain pod beside pods with a ConfigMap
// volume, a Secret volume and an emptyDir, in one run, so the cost of setting volumes up is
// visible. Medians over BENCH_POD_ROUNDS pods of each kind (default 5), started one at a time.
import { execFile } from 'node:child_process';
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

const KINDS: { label: string; spec: Partial<PodSpec> }[] = [
  { label: 'no volume', spec: { containers: [main] } },
  { label: 'ConfigMap volume', spec: { volumes: [{ name: 'v', configMap: { name: 'bench-config' } }], containers: [{ ...main, volumeMounts: [{ name: 'v', mountPath: '/etc/config' }] }] } },
  { label: 'Secret volume', spec: { volumes: [{ name: 'v', secret: { secretName: 'bench-secret' } }], containers: [{ ...main, volumeMounts: [{ name: 'v', mountPath: '/etc/secret' }] }] } },
  { label: 'emptyDir', spec: { volumes: [{ name: 'v', emptyDir: {} }], containers: [{ ...main, volumeMounts: [{ name: 'v', mountPath: '/scratch' }] }] } },
];

/** Times from create to the pod's Ready condition, per kind of pod, in ms. */
export async function benchPodStart(): Promise<void> {
  console.log(`\nPod start (create to Ready), local engine, ${ROUNDS} pods of each kind, one at a time`);
  // The API's own token volume would be in every pod alike: leave it out to see what each volume costs.
  const t = await startTestControlPlane({ localNode: 'on', localNodeName: NODE });
  const client = t.cp.client;
  try {
    await client.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bench-config', namespace: 'default' }, data: { 'app.conf': 'mode=bench\n'.repeat(50) } });
    await client.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bench-secret', namespace: 'default' }, data: { password: Buffer.from('s3cret').toString('base64') } });
    const times = new Map<string, number[]>(KINDS.map((k) => [k.label, []]));
    for (let r = 0; r < ROUNDS; r++) {
      // Interleaved, so a slow moment of the machine hits every kind alike.
      for (const [i, k] of KINDS.entries()) {
        const name = `bench-${i}-${r}`;
        const ready = new Promise<number>((resolve) => {
          const w = client.watch<Pod>('pods', { namespace: 'default', fieldSelector: `metadata.name=${name}` }, (ev) => {
            if (ev.object.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) {
              w.dispose();
              resolve(performance.now());
            }
          });
        });
        const t0 = performance.now();
        await client.create<Pod>('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: NODE, automountServiceAccountToken: false, terminationGracePeriodSeconds: 0, ...k.spec } as PodSpec });
        times.get(k.label)!.push((await ready) - t0);
        await client.delete('pods', 'default', name);
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
    const vols = (await run('docker', ['volume', 'ls', '-q', '--filter', `label=io.skiff.node=${NODE}`])).stdout.split('\n').filter(Boolean);
    if (vols.length) await run('docker', ['volume', 'rm', '-f', ...vols]);
  }
}
