import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/kubectl.js';
import { startCompatCluster, type CompatCluster } from './cluster.js';

// Persistent storage with the real kubectl on the real engine: the default local-path class,
// WaitForFirstConsumer provisioning through helper pods, data that outlives its pod, StatefulSet
// claims, reclaim Delete removing the directory.
let c: CompatCluster;
const base = mkdtempSync(join(tmpdir(), 'skiff-compat-storage-vols-'));

beforeAll(async () => {
  c = await startCompatCluster('compat-storage', { controllers: { localPath: { basePath: base, helperImage: 'local/busybox:1' } } });
});

afterAll(async () => {
  await c?.stop();
  // Written as root by the helper and the pods' containers; this test runs as root here.
  rmSync(base, { recursive: true, force: true });
});

const once = (name: string, claim: string, script: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  restartPolicy: Never
  containers:
  - {name: main, image: local/busybox:1, command: ["sh", "-c", ${JSON.stringify(script)}], volumeMounts: [{name: data, mountPath: /data}]}
  volumes:
  - {name: data, persistentVolumeClaim: {claimName: ${claim}}}
`;

describe('persistent storage', () => {
  it('serves the default class as kubectl prints it', async () => {
    const out = await c.k.ok(['get', 'sc']);
    expect(out).toMatch(/^NAME\s+PROVISIONER\s+RECLAIMPOLICY\s+VOLUMEBINDINGMODE\s+ALLOWVOLUMEEXPANSION\s+AGE$/m);
    expect(out).toMatch(/^local-path \(default\)\s+skiff\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+true\s+\S+$/m);
    const bad = await c.k.run(['create', '-f', c.file('bad-sc.yaml', 'apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: bad}\nprovisioner: x\nreclaimPolicy: Recycle\n')]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('reclaimPolicy: Unsupported value: "Recycle"');
  });

  it('keeps what a pod wrote in its claim for the next pod, and removes it with the claim', async () => {
    await c.k.ok(['apply', '-f', c.file('pvc.yaml', 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 64Mi}}\n')]);
    expect(await c.k.ok(['get', 'pvc', 'data', '-o', 'jsonpath={.spec.storageClassName} {.status.phase}'])).toBe('local-path Pending');
    await c.k.ok(['apply', '-f', c.file('writer.yaml', once('writer', 'data', 'echo kept-across-pods > /data/hello'))]);
    await c.phase('writer', 'Succeeded');
    const uid = await c.k.ok(['get', 'pvc', 'data', '-o', 'jsonpath={.metadata.uid}']);
    const pv = await c.k.ok(['get', 'pvc', 'data', '-o', 'jsonpath={.spec.volumeName}']);
    expect(pv).toBe(`pvc-${uid}`);
    const dir = join(base, `pvc-${uid}_default_data`);
    expect(readFileSync(join(dir, 'hello'), 'utf8')).toBe('kept-across-pods\n');
    const pvs = await c.k.ok(['get', 'pv', pv]);
    expect(pvs).toMatch(new RegExp(`^${pv}\\s+64Mi\\s+RWO\\s+Delete\\s+Bound\\s+default/data\\s+local-path\\s+`, 'm'));
    expect(await c.k.ok(['get', 'pv', pv, '-o', 'jsonpath={.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}'])).toBe(c.nodeName);

    await c.k.ok(['delete', 'pod', 'writer']);
    await c.k.ok(['apply', '-f', c.file('reader.yaml', once('reader', 'data', 'cat /data/hello'))]);
    await c.phase('reader', 'Succeeded');
    expect(await c.k.ok(['logs', 'reader'])).toBe('kept-across-pods\n');
    expect(await c.k.ok(['get', 'pod', 'reader', '-o', 'jsonpath={.spec.nodeName}'])).toBe(c.nodeName);

    const described = await c.k.ok(['describe', 'pvc', 'data']);
    expect(described).toMatch(/^StorageClass:\s+local-path$/m);
    expect(described).toMatch(/^Status:\s+Bound$/m);
    expect(described).toMatch(new RegExp(`^Volume:\\s+${pv}$`, 'm'));
    expect(described).toMatch(/^Capacity:\s+64Mi$/m);
    expect(described).toMatch(/^Access Modes:\s+RWO$/m);
    expect(described).toMatch(/^Used By:\s+reader$/m);
    expect(described).toMatch(new RegExp(`volume\\.kubernetes\\.io/selected-node: ${c.nodeName}`));
    expect(described).toMatch(/Normal\s+WaitForFirstConsumer\s+.*waiting for first consumer to be created before binding/);
    expect(described).toMatch(/Normal\s+Provisioning\s+.*External provisioner is provisioning volume for claim "default\/data"/);
    expect(described).toMatch(new RegExp(`Normal\\s+ProvisioningSucceeded\\s+.*Successfully provisioned volume ${pv}`));

    // Expansion: the class allows it; a shrink is refused.
    await c.k.ok(['patch', 'pvc', 'data', '-p', '{"spec":{"resources":{"requests":{"storage":"128Mi"}}}}']);
    await eventually('the claim to grow', async () => (await c.k.ok(['get', 'pvc', 'data', '-o', 'jsonpath={.status.capacity.storage}'])) === '128Mi');
    const shrink = await c.k.run(['patch', 'pvc', 'data', '-p', '{"spec":{"resources":{"requests":{"storage":"1Mi"}}}}']);
    expect(shrink.stderr).toContain('spec.resources.requests.storage: Forbidden: field can not be less than status.capacity');

    await c.k.ok(['delete', 'pod', 'reader']);
    await c.k.ok(['delete', 'pvc', 'data', '--timeout=120s']);
    await eventually('the volume and its directory to go', async () => !(await c.k.run(['get', 'pv', pv])).stdout && !existsSync(dir), 120_000);
    expect(readdirSync(base)).toEqual([]);
  });

  it('gives a StatefulSet bound claims; a replaced pod finds its data', async () => {
    await c.k.ok(['apply', '-f', c.file('sts.yaml', `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  replicas: 2
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: main
        image: local/busybox:1
        command: ["sh", "-c", "[ -f /data/id ] || hostname > /data/id; trap 'exit 0' TERM; while true; do sleep 1; done"]
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 16Mi}}}
`)]);
    await c.k.ok(['rollout', 'status', 'sts/db', '--timeout=180s'], { timeoutMs: 190_000 });
    const claims = await c.k.ok(['get', 'pvc', '-l', 'app=db', '--no-headers']);
    expect(claims).toMatch(/^data-db-0\s+Bound\s+pvc-\S+\s+16Mi\s+RWO\s+local-path\s+/m);
    expect(claims).toMatch(/^data-db-1\s+Bound\s+pvc-\S+\s+16Mi\s+RWO\s+local-path\s+/m);
    const all = await c.k.ok(['get', 'pvc,pv,sc']);
    expect(all).toContain('persistentvolumeclaim/data-db-0');
    expect(all).toContain('storageclass.storage.k8s.io/local-path (default)');
    expect(all).toMatch(/^persistentvolume\/pvc-\S+\s+16Mi\s+RWO\s+Delete\s+Bound\s+default\/data-db-1\s+local-path/m);
    await c.k.ok(['delete', 'pod', 'db-0']);
    await eventually('db-0 to come back', async () => (await c.k.ok(['get', 'pod', 'db-0', '-o', 'jsonpath={.status.phase}{.metadata.deletionTimestamp}'])) === 'Running', 120_000);
    expect(await c.k.ok(['exec', 'db-0', '--', 'cat', '/data/id'])).toBe('db-0\n');
    expect(await c.k.ok(['get', 'pod', 'db-0', '-o', 'jsonpath={.spec.nodeName}'])).toBe(c.nodeName);
    await c.k.ok(['delete', 'sts', 'db']);
  });
});
