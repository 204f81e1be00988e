// The CPU a pod write spends in the API server's per-object work, in process: the decoder's schema
// walk(s) and validation of a create, and managedFields for the create and for a status write.
// BENCH_CREATE_PATH_BASE=DIR (another checkout with node_modules, e.g. main via `git archive`)
// measures that tree too, alternating, in the same process: a before/after on one loaded machine.
import { resolve } from 'node:path';

type Validation = typeof import('../src/orchestrator/api/validation.js');
type Resources = typeof import('../src/orchestrator/api/resources.js');
type ManagedFields = typeof import('../src/orchestrator/apiserver/managedFields.js');
type Pod = import('../src/orchestrator/api/types.js').KubeObject;

const N = Number(process.env.BENCH_CREATE_PATH_PODS ?? 3_000);
const ROUNDS = 4;

function podOf(i: number): Pod {
  const notReady = (key: string) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p-${i}`, namespace: 'default', uid: `u${i}`, labels: { app: 'hollow' }, creationTimestamp: '2026-12-03T07:00:00Z' },
    spec: {
      containers: [{ name: 'c', image: 'local/busybox:1', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      securityContext: {},
      enableServiceLinks: true,
      preemptionPolicy: 'PreemptLowerPriority',
      priority: 0,
      tolerations: [notReady('node.kubernetes.io/not-ready'), notReady('node.kubernetes.io/unreachable')],
    },
    status: { phase: 'Pending', qosClass: 'Burstable' },
  } as Pod;
}

/** µs per pod for each stage, in one tree. */
async function measure(root: string): Promise<Record<string, number>> {
  const v = (await import(resolve(root, 'src/orchestrator/api/validation.ts'))) as Validation & { normalizeDecoded?: (...a: unknown[]) => void };
  const { resourceType } = (await import(resolve(root, 'src/orchestrator/api/resources.ts'))) as Resources;
  const mf = (await import(resolve(root, 'src/orchestrator/apiserver/managedFields.ts'))) as ManagedFields;
  const r = resourceType('pods');
  const bodies = Array.from({ length: N }, (_, i) => podOf(i));
  let t = performance.now();
  for (const b of bodies) {
    // Trees before decodeBody walked the body twice: decodeError, then normalizeDecoded.
    const err = v.decodeBody ? v.decodeBody(r, b, { strict: false }) : v.decodeError(r, b, { strict: false });
    if (err) throw err;
    if (!v.decodeBody) v.normalizeDecoded?.(r, b, true);
    if (v.validate(r, b, { strict: false }).length) throw new Error('the bench pod is invalid');
  }
  const decode = performance.now() - t;
  const ref = { manager: 'bench', now: '2026-12-03T07:00:00Z' };
  t = performance.now();
  // Awaited: the function is async (paced by its caller) in this tree and was synchronous before; awaiting a plain value is harmless.
  const noPace = async () => {};
  const created: Pod[] = [];
  for (const b of bodies) created.push({ ...b, metadata: { ...b.metadata, managedFields: await mf.updateManagedFields(r, undefined, b, ref, noPace) } } as Pod);
  const create = performance.now() - t;
  const next = created.map((c: Pod & { spec?: unknown; status?: object }) => ({ ...c, spec: structuredClone(c.spec), status: { ...c.status, conditions: [{ type: 'PodScheduled', status: 'True' }] } }));
  t = performance.now();
  // `only`: what the registry passes for a status write (a tree before it ignores it and compares the whole object).
  for (let i = 0; i < created.length; i++) await mf.updateManagedFields(r, created[i] as Pod, next[i] as Pod, { ...ref, subresource: 'status', only: 'status' }, noPace);
  const status = performance.now() - t;
  const us = (ms: number) => (ms * 1000) / N;
  return { 'decode+validate': us(decode), 'managedFields create': us(create), 'managedFields status write': us(status) };
}

export async function createPathBench(): Promise<void> {
  const trees: [string, string][] = [['this tree', '.']];
  if (process.env.BENCH_CREATE_PATH_BASE) trees.unshift(['base', process.env.BENCH_CREATE_PATH_BASE]);
  const sums = new Map<string, Record<string, number>>();
  // The first round warms the JIT up and is not counted; trees alternate so load hits both alike.
  for (let round = 0; round < ROUNDS; round++) {
    for (const [tag, root] of trees) {
      const m = await measure(root);
      if (round === 0) continue;
      const s = sums.get(tag) ?? {};
      for (const [k, x] of Object.entries(m)) s[k] = (s[k] ?? 0) + x / (ROUNDS - 1);
      sums.set(tag, s);
    }
  }
  for (const [tag, s] of sums) console.log(`${tag}: ${Object.entries(s).map(([k, x]) => `${k} ${x.toFixed(0)} µs`).join(', ')} per pod (${N} pods)`);
}
