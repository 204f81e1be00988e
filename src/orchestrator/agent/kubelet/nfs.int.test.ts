import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject, Pod } from '../../api/types.js';
import { eventually } from '../../testing/eventually.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../testing/images.js';
import { startStandaloneAgent, type StandaloneAgent } from '../testing/standaloneAgent.js';

/**
 * A static NFS PersistentVolume mounted for real: the engine's `local` driver with `type=nfs`
 * mounts the export through the host kernel's NFS client. It needs that client (`nfs` in
 * /proc/filesystems) and an export to mount, named by SKIFF_TEST_NFS=server:/path (with a file
 * `hello` in it). On a kernel without NFS the engine answers `no such device` for such a mount,
 * so the test cannot run there and says so.
 */
const kernelNfs = readFileSync('/proc/filesystems', 'utf8').split('\n').some((l) => /\bnfs4?$/.test(l.trim()));
const exportSpec = process.env.SKIFF_TEST_NFS ?? '';
const why = !kernelNfs
  ? 'this kernel has no NFS client (no nfs in /proc/filesystems; modprobe nfs finds no module), so the engine cannot mount NFS volumes here'
  : !exportSpec
    ? 'no NFS export to mount: set SKIFF_TEST_NFS=server:/path (an export holding a file "hello")'
    : '';
if (why) console.warn(`SKIPPING the NFS PersistentVolume test: ${why}`);

let a: StandaloneAgent | undefined;

beforeAll(async () => {
  if (why) return;
  await ensureBusyboxImage();
  a = await startStandaloneAgent('nfs-it');
});

afterAll(async () => {
  await a?.stop();
});

describe.skipIf(!!why)('a static NFS PersistentVolume', () => {
  it('is mounted read-only into the pod and serves the export`s files', async () => {
    const { client, node } = a as StandaloneAgent;
    const [server, path] = [exportSpec.slice(0, exportSpec.indexOf(':')), exportSpec.slice(exportSpec.indexOf(':') + 1)];
    const claim = await client.create<KubeObject>('persistentvolumeclaims', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'share', namespace: 'default' }, spec: { accessModes: ['ReadOnlyMany'], resources: { requests: { storage: '1Gi' } }, storageClassName: '', volumeName: 'nfs' } });
    await client.create<KubeObject>('persistentvolumes', { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'nfs' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadOnlyMany'], nfs: { server, path, readOnly: true }, claimRef: { namespace: 'default', name: 'share', uid: claim.metadata.uid } } });
    await client.updateStatus<KubeObject>('persistentvolumeclaims', { ...(await client.get<KubeObject>('persistentvolumeclaims', 'default', 'share')), status: { phase: 'Bound' } });
    await client.create<Pod>('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'reader', namespace: 'default' },
      spec: { nodeName: node, restartPolicy: 'Never', volumes: [{ name: 'share', persistentVolumeClaim: { claimName: 'share' } }], containers: [{ name: 'main', image: BUSYBOX_IMAGE, command: ['sh', '-c', 'cat /share/hello && ! touch /share/x'], volumeMounts: [{ name: 'share', mountPath: '/share' }] }] },
    });
    const done = await eventually('the reader to finish', async () => {
      const p = await client.get<Pod>('pods', 'default', 'reader');
      return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p : undefined;
    }, 120_000);
    expect(done.status?.phase).toBe('Succeeded');
  });
});
