import { engineVolumeName } from './volumes/volumeManager.js';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeObject, Pod } from '../../api/types.js';
import { LABELS } from '../runtime/types.js';
import { IMAGE, kubeletFixture, type KubeletFixture } from '../testing/kubeletFixture.js';

let f: KubeletFixture;
let host: string;
beforeEach(async () => {
  f = await kubeletFixture();
  host = mkdtempSync(join(tmpdir(), 'skiff-hostpath-'));
});
afterEach(async () => {
  await f.dispose();
  rmSync(host, { recursive: true, force: true });
});

const b64 = (s: string) => Buffer.from(s).toString('base64');
const mountsOf = (pod: string, container = 'main') => f.runtime.spec(f.containersOf(pod, container)[0]!.id)!.mounts ?? [];
const volDir = (pod: Pod, name: string) => join(f.memoryDir, 'pods', pod.metadata.uid!, 'volumes', name);

async function create(kind: string, obj: Record<string, unknown>): Promise<void> {
  await f.client.create<KubeObject>(kind, { apiVersion: 'v1', metadata: { namespace: 'default' }, ...obj } as KubeObject);
}

describe('kubelet: emptyDir', () => {
  it('is one engine volume shared by every container, held by the sandbox, 0777 at its root, removed with the pod', async () => {
    await f.createPod('share', {
      terminationGracePeriodSeconds: 0,
      volumes: [{ name: 'scratch', emptyDir: {} }],
      containers: [
        { name: 'main', image: IMAGE, volumeMounts: [{ name: 'scratch', mountPath: '/data' }] },
        { name: 'side', image: IMAGE, volumeMounts: [{ name: 'scratch', mountPath: '/in', readOnly: true }] },
      ],
    });
    const pod = await f.pod('share');
    const vol = `skiff-${pod.metadata.uid}-scratch`;
    expect([...f.runtime.volumes.keys()]).toEqual([vol]);
    expect(f.runtime.volumes.get(vol)!.labels).toMatchObject({ [LABELS.podUid]: pod.metadata.uid, 'io.skiff.volume': 'scratch' });
    expect(f.runtime.volumes.get(vol)!.tmpfs).toBeUndefined();
    expect(mountsOf('share')).toContainEqual({ type: 'volume', source: vol, target: '/data', readOnly: false });
    expect(mountsOf('share', 'side')).toContainEqual({ type: 'volume', source: vol, target: '/in', readOnly: true });
    const sandbox = f.sandboxesOf('share')[0]!;
    expect(f.runtime.spec(sandbox.id)!.mounts).toEqual([{ type: 'volume', source: vol, target: `/.skiff/volumes/${vol}` }]);
    // The engine (root) gives the volume's root its mode through the sandbox: no root needed here.
    expect(f.runtime.archives).toEqual([{ id: sandbox.id, path: '/.skiff/volumes', entries: [{ name: `${vol}/`, mode: 0o777, uid: 0, gid: 0, type: 'directory' }] }]);
    // It outlives a container restart...
    f.runtime.crash(f.containersOf('share')[0]!.id, 1);
    await f.advance(1_000);
    expect(f.containersOf('share', 'main')).toHaveLength(2);
    expect(f.runtime.volumes.has(vol)).toBe(true);
    // ...and goes with the pod.
    await f.client.delete('pods', 'default', 'share');
    await f.settle();
    expect(f.runtime.volumes.size).toBe(0);
  });

  it('medium Memory is a tmpfs of sizeLimit; fsGroup makes it setgid and group-owned', async () => {
    await f.createPod('mem', {
      securityContext: { fsGroup: 2000 },
      volumes: [{ name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }],
      containers: [{ name: 'main', image: IMAGE, volumeMounts: [{ name: 'cache', mountPath: '/cache' }] }],
    });
    const pod = await f.pod('mem');
    expect(f.runtime.volumes.get(`skiff-${pod.metadata.uid}-cache`)!.tmpfs).toEqual({ sizeBytes: 64 * 1024 * 1024, mode: 0o2777, gid: 2000 });
    // A tmpfs gets its mode from its mount options: nothing to prepare.
    expect(f.runtime.archives).toEqual([]);
    expect(f.runtime.spec(f.containersOf('mem')[0]!.id)!.groupAdd).toEqual(['2000']);
  });

  it('subPath and subPathExpr mount a directory made inside the volume first', async () => {
    await f.createPod('sub', {
      volumes: [{ name: 'v', emptyDir: {} }],
      containers: [
        {
          name: 'main',
          image: IMAGE,
          env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          volumeMounts: [
            { name: 'v', mountPath: '/a', subPath: 'one/two' },
            { name: 'v', mountPath: '/b', subPathExpr: 'logs/$(POD)' },
          ],
        },
      ],
    });
    const vol = `skiff-${(await f.pod('sub')).metadata.uid}-v`;
    expect(mountsOf('sub')).toEqual(expect.arrayContaining([
      { type: 'volume', source: vol, target: '/a', readOnly: false, subPath: 'one/two' },
      { type: 'volume', source: vol, target: '/b', readOnly: false, subPath: 'logs/sub' },
    ]));
    const names = f.runtime.archives.flatMap((a) => a.entries.map((e) => e.name));
    expect(names).toEqual(expect.arrayContaining([`${vol}/one/`, `${vol}/one/two/`, `${vol}/logs/`, `${vol}/logs/sub/`]));
  });

  it('refuses a subPath that leaves the volume', async () => {
    await f.createPod('escape', { volumes: [{ name: 'v', emptyDir: {} }], containers: [{ name: 'main', image: IMAGE, volumeMounts: [{ name: 'v', mountPath: '/a', subPath: '../../etc' }] }] });
    const w = (await f.pod('escape')).status!.containerStatuses![0]!.state.waiting!;
    expect(w.reason).toBe('CreateContainerConfigError');
    expect(w.message).toContain("must be a relative path without '..'");
  });
});

describe('kubelet: configMap, secret, downwardAPI and projected volumes', () => {
  it('writes a ConfigMap atomically through ..data, mounts it read-only, and follows updates', async () => {
    await create('configmaps', { kind: 'ConfigMap', metadata: { name: 'web', namespace: 'default' }, data: { 'index.html': 'v1', 'a.conf': 'x' } });
    await f.createPod('cm', {
      volumes: [{ name: 'site', configMap: { name: 'web', items: [{ key: 'index.html', path: 'html/index.html', mode: 0o600 }] } }, { name: 'all', configMap: { name: 'web', items: [{ key: 'a.conf', path: 'conf/a.conf' }] } }],
      containers: [{ name: 'main', image: IMAGE, volumeMounts: [{ name: 'site', mountPath: '/www' }, { name: 'all', mountPath: '/etc/web' }] }],
    });
    const pod = await f.pod('cm');
    const dir = volDir(pod, 'site');
    expect(mountsOf('cm')).toContainEqual({ type: 'bind', source: dir, target: '/www', readOnly: true });
    expect(readFileSync(join(dir, 'html/index.html'), 'utf8')).toBe('v1');
    expect(lstatSync(join(dir, 'html')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, 'html'))).toBe('..data/html');
    const ts = readlinkSync(join(dir, '..data'));
    expect(ts).toMatch(/^\.\.2026_01_01_00_00_\d\d\.\w+$/);
    expect(lstatSync(join(dir, ts, 'html/index.html')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(volDir(pod, 'all'), 'conf/a.conf'), 'utf8')).toBe('x');
    // The agent's volume files live on the memory file system, never on the disk.
    expect(statfsSync(dir).type).toBe(0x01021994);

    await f.client.patch('configmaps', 'default', 'web', 'merge', { data: { 'index.html': 'v2' } });
    await f.settle();
    expect(readFileSync(join(dir, 'html/index.html'), 'utf8')).toBe('v2');
    const ts2 = readlinkSync(join(dir, '..data'));
    expect(ts2).not.toBe(ts);
    expect(existsSync(join(dir, ts))).toBe(false);
    // Files changed under a running container: it was not restarted.
    expect(f.containersOf('cm')).toHaveLength(1);
  });

  it('writes a Secret with its defaultMode, in memory, and removes it with the pod', async () => {
    await create('secrets', { kind: 'Secret', metadata: { name: 'db', namespace: 'default' }, data: { password: b64('hunter2') } });
    await f.createPod('sec', {
      terminationGracePeriodSeconds: 0,
      volumes: [{ name: 'db', secret: { secretName: 'db', defaultMode: 0o400 } }],
      containers: [{ name: 'main', image: IMAGE, volumeMounts: [{ name: 'db', mountPath: '/secrets' }] }],
    });
    const pod = await f.pod('sec');
    const dir = volDir(pod, 'db');
    expect(readFileSync(join(dir, 'password'), 'utf8')).toBe('hunter2');
    expect(lstatSync(join(dir, readlinkSync(join(dir, '..data')), 'password')).mode & 0o777).toBe(0o400);
    expect(dir.startsWith(f.memoryDir)).toBe(true);
    await f.client.delete('pods', 'default', 'sec');
    await f.settle();
    expect(existsSync(join(f.memoryDir, 'pods', pod.metadata.uid!))).toBe(false);
  });

  it('does not start a pod whose ConfigMap is missing (FailedMount), then starts it when it appears; optional ones may be missing', async () => {
    await f.createPod('wait', {
      volumes: [{ name: 'cfg', configMap: { name: 'later' } }, { name: 'opt', configMap: { name: 'never', optional: true } }],
      containers: [{ name: 'main', image: IMAGE, volumeMounts: [{ name: 'cfg', mountPath: '/cfg' }, { name: 'opt', mountPath: '/opt' }] }],
    });
    expect(f.sandboxesOf('wait')).toHaveLength(0);
    expect((await f.events('wait')).find((e) => e.reason === 'FailedMount')?.message).toBe('MountVolume.SetUp failed for volume "cfg" : configmap "later" not found');
    expect((await f.pod('wait')).status!.containerStatuses![0]!.state.waiting?.reason).toBe('ContainerCreating');
    await create('configmaps', { kind: 'ConfigMap', metadata: { name: 'later', namespace: 'default' }, data: { k: 'v' } });
    await f.settle();
    expect(f.containersOf('wait')[0]?.running).toBe(true);
  });

  it('fails an item whose key is missing unless optional', async () => {
    await create('configmaps', { kind: 'ConfigMap', metadata: { name: 'small', namespace: 'default' }, data: { a: '1' } });
    await f.createPod('items', { volumes: [{ name: 'c', configMap: { name: 'small', items: [{ key: 'b', path: 'b' }] } }], containers: [{ name: 'main', image: IMAGE }] });
    expect((await f.events('items')).find((e) => e.reason === 'FailedMount')?.message).toBe('MountVolume.SetUp failed for volume "c" : configmap references non-existent config key: b');
  });

  it('downwardAPI files follow label changes', async () => {
    await f.cluster.client.create<Pod>('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'dw', namespace: 'default', labels: { app: 'web', tier: 'front' }, annotations: { note: 'a "quoted" one' } },
      spec: {
        nodeName: 'node-a',
        volumes: [{ name: 'info', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } }, { path: 'name', fieldRef: { fieldPath: 'metadata.name' } }, { path: 'cpu', resourceFieldRef: { containerName: 'main', resource: 'limits.cpu', divisor: '1m' } }] } }],
        containers: [{ name: 'main', image: IMAGE, resources: { limits: { cpu: '250m' } }, volumeMounts: [{ name: 'info', mountPath: '/etc/podinfo' }] }],
      },
    });
    await f.settle();
    const dir = volDir(await f.pod('dw'), 'info');
    expect(readFileSync(join(dir, 'labels'), 'utf8')).toBe('app="web"\ntier="front"');
    expect(readFileSync(join(dir, 'annotations'), 'utf8')).toBe('note="a \\"quoted\\" one"');
    expect(readFileSync(join(dir, 'name'), 'utf8')).toBe('dw');
    expect(readFileSync(join(dir, 'cpu'), 'utf8')).toBe('250');
    await f.client.patch('pods', 'default', 'dw', 'merge', { metadata: { labels: { tier: 'back' } } });
    await f.settle();
    expect(readFileSync(join(dir, 'labels'), 'utf8')).toBe('app="web"\ntier="back"');
  });

  it('projects a bound service-account token, the CA ConfigMap and the namespace', async () => {
    // The token signing key lives in kube-system.
    await f.client.create<KubeObject>('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system' } });
    await create('serviceaccounts', { kind: 'ServiceAccount', metadata: { name: 'bot', namespace: 'default' } });
    await create('configmaps', { kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'default' }, data: { 'ca.crt': 'PEM' } });
    await f.createPod('proj', {
      serviceAccountName: 'bot',
      volumes: [
        {
          name: 'api',
          projected: {
            defaultMode: 0o644,
            sources: [
              { serviceAccountToken: { path: 'token', expirationSeconds: 3600, audience: 'vault' } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
            ],
          },
        },
      ],
      containers: [{ name: 'main', image: IMAGE, volumeMounts: [{ name: 'api', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }] }],
    });
    const pod = await f.pod('proj');
    const dir = volDir(pod, 'api');
    const token = readFileSync(join(dir, 'token'), 'utf8');
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string; aud: string[]; exp: number; iat: number; 'kubernetes.io': { pod: { name: string; uid: string } } };
    expect(claims.sub).toBe('system:serviceaccount:default:bot');
    expect(claims.aud).toEqual(['vault']);
    expect(claims.exp - claims.iat).toBe(3600);
    expect(claims['kubernetes.io'].pod).toEqual({ name: 'proj', uid: pod.metadata.uid });
    expect(readFileSync(join(dir, 'ca.crt'), 'utf8')).toBe('PEM');
    expect(readFileSync(join(dir, 'namespace'), 'utf8')).toBe('default');
    // Refreshed at 80% of its life: a new token, written atomically.
    await f.advance(0.81 * 3600_000, 60_000);
    const again = readFileSync(join(dir, 'token'), 'utf8');
    expect(again).not.toBe(token);
  });
});

describe('kubelet: hostPath and persistentVolumeClaim', () => {
  it('checks hostPath types with the kubelet messages and creates what DirectoryOrCreate asks', async () => {
    await f.createPod('hp', {
      volumes: [{ name: 'made', hostPath: { path: join(host, 'new/dir'), type: 'DirectoryOrCreate' } }, { name: 'file', hostPath: { path: join(host, 'f.txt'), type: 'FileOrCreate' } }],
      containers: [{ name: 'main', image: IMAGE, volumeMounts: [{ name: 'made', mountPath: '/m', mountPropagation: 'HostToContainer' }, { name: 'file', mountPath: '/f.txt' }] }],
    });
    expect(lstatSync(join(host, 'new/dir')).isDirectory()).toBe(true);
    expect(lstatSync(join(host, 'f.txt')).isFile()).toBe(true);
    expect(mountsOf('hp')).toEqual(expect.arrayContaining([
      { type: 'bind', source: join(host, 'new/dir'), target: '/m', readOnly: false, propagation: 'rslave' },
      { type: 'bind', source: join(host, 'f.txt'), target: '/f.txt', readOnly: false },
    ]));
    await f.createPod('hpbad', { volumes: [{ name: 'd', hostPath: { path: join(host, 'f.txt'), type: 'Directory' } }], containers: [{ name: 'main', image: IMAGE }] });
    expect((await f.events('hpbad')).find((e) => e.reason === 'FailedMount')?.message).toBe(`MountVolume.SetUp failed for volume "d" : hostPath type check failed: ${join(host, 'f.txt')} is not a directory`);
    expect(f.sandboxesOf('hpbad')).toHaveLength(0);
  });

  it('mounts a claim bound to a hostPath PersistentVolume, and waits while it is not bound', async () => {
    await create('persistentvolumeclaims', { kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } });
    await f.createPod('db', {
      volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }],
      containers: [{ name: 'main', image: IMAGE, volumeMounts: [{ name: 'data', mountPath: '/var/lib/db', subPath: 'pg' }] }],
    });
    expect((await f.events('db')).find((e) => e.reason === 'FailedMount')?.message).toBe('MountVolume.SetUp failed for volume "data" : PVC default/data has non-bound phase ("Pending") or empty pvc.Spec.VolumeName ("")');
    const claim = await f.client.get<KubeObject>('persistentvolumeclaims', 'default', 'data');
    await f.client.create<KubeObject>('persistentvolumes', {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'pv1' },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: join(host, 'pv1'), type: 'DirectoryOrCreate' }, claimRef: { namespace: 'default', name: 'data', uid: claim.metadata.uid } },
    });
    await f.client.update<KubeObject>('persistentvolumeclaims', { ...claim, spec: { ...(claim.spec as object), volumeName: 'pv1' } });
    const bound = await f.client.get<KubeObject>('persistentvolumeclaims', 'default', 'data');
    await f.client.updateStatus<KubeObject>('persistentvolumeclaims', { ...bound, status: { phase: 'Bound' } });
    await f.advance(10_000);
    expect(f.containersOf('db')[0]?.running).toBe(true);
    expect(mountsOf('db')).toContainEqual({ type: 'bind', source: join(host, 'pv1', 'pg'), target: '/var/lib/db', readOnly: false });
    expect(lstatSync(join(host, 'pv1', 'pg')).isDirectory()).toBe(true);
  });

  /** A claim bound (as the PV controller binds) to a new NFS PV with `spec`. */
  async function boundNfsClaim(name: string, pvName: string, spec: Record<string, unknown>): Promise<void> {
    await create('persistentvolumeclaims', { kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' }, spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } }, storageClassName: '' } });
    const claim = await f.client.get<KubeObject>('persistentvolumeclaims', 'default', name);
    await f.client.create<KubeObject>('persistentvolumes', { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: pvName }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteMany'], claimRef: { namespace: 'default', name, uid: claim.metadata.uid }, ...spec } });
    const bound = await f.client.update<KubeObject>('persistentvolumeclaims', { ...claim, spec: { ...(claim.spec as object), volumeName: pvName } });
    await f.client.updateStatus<KubeObject>('persistentvolumeclaims', { ...bound, status: { phase: 'Bound' } });
  }

  it('mounts a claim bound to an NFS PersistentVolume as an engine volume of type nfs (read-only as the PV says, with its mountOptions)', async () => {
    await boundNfsClaim('share', 'nfs1', { mountOptions: ['nfsvers=4.1'], nfs: { server: '10.77.0.1', path: '/exports/share', readOnly: true } });
    await f.createPod('reader', {
      volumes: [{ name: 'share', persistentVolumeClaim: { claimName: 'share' } }],
      containers: [{ name: 'main', image: IMAGE, volumeMounts: [{ name: 'share', mountPath: '/share' }] }],
    });
    const pod = await f.pod('reader');
    const name = engineVolumeName(pod, 'share');
    expect(f.runtime.volumes.get(name)?.nfs).toEqual({ server: '10.77.0.1', path: '/exports/share', readOnly: true, options: ['nfsvers=4.1'] });
    expect(f.containersOf('reader')[0]?.running).toBe(true);
    expect(mountsOf('reader')).toContainEqual({ type: 'volume', source: name, target: '/share', readOnly: true });
    // Removed with the pod (the engine unmounts it; the export's data stays on the server).
    await f.client.delete('pods', 'default', 'reader', { gracePeriodSeconds: 0 });
    await f.settle();
    expect(f.runtime.volumes.has(name)).toBe(false);
  });

  it('refuses an NFS PersistentVolume whose server or path would smuggle in mount options', async () => {
    await boundNfsClaim('bad', 'nfsbad', { nfs: { server: 'srv', path: '/x,exec' } });
    await f.createPod('badnfs', { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'bad' } }], containers: [{ name: 'main', image: IMAGE, volumeMounts: [{ name: 'd', mountPath: '/d' }] }] });
    expect((await f.events('badnfs')).find((e) => e.reason === 'FailedMount')?.message).toBe('MountVolume.SetUp failed for volume "d" : PersistentVolume nfsbad: invalid nfs source "srv:/x,exec"');
  });
});
