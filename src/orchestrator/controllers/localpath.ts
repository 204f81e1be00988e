import { isAlreadyExists, isNotFound } from '../api/errors.js';
import { objectKey } from '../api/resources.js';
import {
  LOCAL_PATH_PROVISIONER,
  PROVISIONED_BY_ANNOTATION,
  claimClass,
  nodeAffinityFor,
  selectedNode,
  type PersistentVolume,
  type PersistentVolumeClaim,
  type StorageClass,
} from '../api/storage.js';
import type { Pod } from '../api/types.js';
import type { ControllerContext } from '../client/controllerContext.js';
import { runLoop, type ControllerLoop } from '../client/runner.js';

const COMPONENT = 'skiff.io/local-path';
export const HELPER_NAMESPACE = 'kube-system';
export const HELPER_LABEL = 'storage.skiff.dev/helper';
/** Where volumes go on a node unless the class (`parameters.basePath`) or the options say otherwise. */
export const DEFAULT_BASE_PATH = '/var/lib/skiff/storage';

export interface LocalPathOptions {
  /** Directory on every node under which volumes are created (a class's `parameters.basePath` wins). */
  basePath?: string;
  /** Image of the helper pods that create and remove the directories; it needs `sh`, `mkdir`, `rm`. Default `busybox:1.36`. */
  helperImage?: string;
  /**
   * How long a helper pod may take before it is deleted and the work fails (and is tried again with
   * back-off), as k3s' provisioner gives its helpers. Default 120 s.
   */
  helperTimeoutMs?: number;
}

export const DEFAULT_HELPER_IMAGE = 'busybox:1.36';
const DEFAULT_HELPER_TIMEOUT_MS = 120_000;

/** Waiting reasons of a container that will not start until someone acts (an image the node cannot pull, a bad command). */
const STUCK_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull', 'CreateContainerError', 'CreateContainerConfigError', 'RunContainerError']);

/** Why a helper pod's container cannot start, as its node reports it (`ImagePullBackOff: Back-off pulling image ...`); undefined while it is simply on its way. */
export function helperStuck(pod: Pod): string | undefined {
  for (const s of pod.status?.containerStatuses ?? []) {
    const w = s.state?.waiting;
    if (w?.reason && STUCK_REASONS.has(w.reason)) return `${w.reason}${w.message?.trim() ? `: ${w.message.trim()}` : ''}`;
  }
  return undefined;
}

/** What running a helper pod came to so far. */
type HelperResult = { state: 'done' } | { state: 'failed'; reason: string } | { state: 'running'; stuck?: string };

/** The volume's directory name, as k3s' local-path-provisioner names it: `pvc-<uid>_<namespace>_<name>`. */
export function volumeDir(pvc: PersistentVolumeClaim): string {
  return `pvc-${pvc.metadata.uid ?? ''}_${pvc.metadata.namespace ?? ''}_${pvc.metadata.name ?? ''}`;
}

/**
 * The `helper` pod that creates (`create`) or removes (`delete`) one directory under the base path on
 * one node, as k3s' local-path-provisioner does. The node's agent runs it like any pod, through its
 * engine: the engine creates the base path (hostPath `DirectoryOrCreate`) and the container runs as
 * root in the engine, so the agent itself needs no root to make a directory every user can write
 * (0777) or to remove files a container wrote as another user. Paths travel as environment values,
 * never as shell text.
 */
export function helperPod(op: 'create' | 'delete', pvName: string, node: string, basePath: string, dir: string, image: string): Pod {
  const script = op === 'create' ? 'set -e; mkdir -m 0777 -p "/data/$VOL_DIR"; chmod 0777 "/data/$VOL_DIR"' : 'set -e; rm -rf "/data/$VOL_DIR"';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `helper-${op}-${pvName}`, namespace: HELPER_NAMESPACE, labels: { [HELPER_LABEL]: pvName } },
    spec: {
      nodeName: node,
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
      tolerations: [{ operator: 'Exists' }],
      containers: [{ name: 'helper-pod', image, imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script], env: [{ name: 'VOL_DIR', value: dir }], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
      volumes: [{ name: 'data', hostPath: { path: basePath, type: 'DirectoryOrCreate' } }],
    },
  } as Pod;
}

const pvcKey = (c: PersistentVolumeClaim) => `pvc:${objectKey(c.metadata.namespace, c.metadata.name ?? '')}`;
const pvKey = (v: PersistentVolume) => `pv:${v.metadata.name ?? ''}`;

/** The node a provisioned volume lives on (its node affinity's hostname). */
function volumeNode(pv: PersistentVolume): string | undefined {
  const req = pv.spec.nodeAffinity?.required?.nodeSelectorTerms?.[0]?.matchExpressions?.find((r) => r.key === 'kubernetes.io/hostname');
  return Array.isArray(req?.values) && typeof req.values[0] === 'string' ? req.values[0] : undefined;
}

/**
 * Skiff's `skiff.io/local-path` provisioner (k3s' local-path-provisioner as a controller): for a
 * pending claim of a class it serves, once the node is known (`volume.kubernetes.io/selected-node`,
 * set by the scheduler for WaitForFirstConsumer), a helper pod on that node creates the directory,
 * then a PV pre-bound to the claim with `hostPath` and node affinity to that node is created (the PV
 * controller completes the binding). A released volume with reclaim policy `Delete` is removed the
 * same way, then its PV deleted. Events are the external provisioner's (`Provisioning`,
 * `ProvisioningSucceeded`, `ProvisioningFailed`).
 */
export function startLocalPathProvisioner(ctx: ControllerContext, options: LocalPathOptions = {}): ControllerLoop {
  const { client, clock, informers } = ctx;
  const log = ctx.log.child({ component: 'local-path-provisioner' });
  const recorder = ctx.recorder(COMPONENT);
  const pvcInf = informers.get<PersistentVolumeClaim>('persistentvolumeclaims');
  const pvInf = informers.get<PersistentVolume>('persistentvolumes');
  const scInf = informers.get<StorageClass>('storageclasses');
  const podInf = informers.get<Pod>('pods');
  const image = options.helperImage ?? DEFAULT_HELPER_IMAGE;
  const timeoutMs = options.helperTimeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS;

  const removeHelper = (name: string) =>
    client.delete('pods', HELPER_NAMESPACE, name, { gracePeriodSeconds: 0 }).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });

  /**
   * Runs the helper to completion, for the work queued as `workKey`: done, failed (the helper
   * failed, or did not finish within the timeout: it is deleted), or still running (looked at again
   * when it changes, and when its time is up), saying why when its container cannot start.
   */
  const runHelper = async (pod: Pod, workKey: string): Promise<HelperResult> => {
    const name = pod.metadata.name ?? '';
    const cur = podInf.get(objectKey(HELPER_NAMESPACE, name));
    if (!cur) {
      try {
        await client.create('pods', pod);
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
      loop.enqueueAfter(workKey, timeoutMs);
      return { state: 'running' };
    }
    const phase = cur.status?.phase;
    if (phase !== 'Succeeded' && phase !== 'Failed') {
      const stuck = helperStuck(cur);
      const age = clock.now() - Date.parse(cur.metadata.creationTimestamp ?? '');
      if (!(age < timeoutMs)) {
        await removeHelper(name);
        return { state: 'failed', reason: `helper pod ${name} did not finish within ${Math.round(timeoutMs / 1000)} s${stuck ? ` (${stuck})` : ''}` };
      }
      loop.enqueueAfter(workKey, timeoutMs - age);
      return { state: 'running', ...(stuck ? { stuck } : {}) };
    }
    await removeHelper(name);
    if (phase === 'Succeeded') return { state: 'done' };
    const term = (cur.status?.containerStatuses ?? [])[0]?.state?.terminated;
    return { state: 'failed', reason: `helper pod ${name} failed: exit code ${term?.exitCode ?? '?'}${term?.message ? `: ${term.message}` : ''}` };
  };

  /** What a user reads when a helper cannot start: the node's reason, and what to change when it is the image. */
  const stuckMessage = (helper: Pod, stuck: string) =>
    `helper pod ${helper.metadata.name ?? ''} cannot start: ${stuck}` +
    (/Image/.test(stuck) ? ` (the helper image "${image}" must be pullable by the node, or present in its engine; Skiff's SKIFF_STORAGE_HELPER_IMAGE sets it)` : '');

  const provision = async (pvc: PersistentVolumeClaim): Promise<void> => {
    if (pvc.spec.volumeName || pvc.metadata.deletionTimestamp) return;
    const sc = scInf.get(claimClass(pvc));
    if (sc?.provisioner !== LOCAL_PATH_PROVISIONER) return;
    const pvName = `pvc-${pvc.metadata.uid ?? ''}`;
    if (pvInf.get(pvName)) return;
    const claim = objectKey(pvc.metadata.namespace, pvc.metadata.name ?? '');
    const node = selectedNode(pvc);
    if (!node) {
      if (sc.volumeBindingMode !== 'WaitForFirstConsumer') {
        recorder.record(pvc, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata.name ?? ''}": configuration error, no node was specified (${LOCAL_PATH_PROVISIONER} needs volumeBindingMode WaitForFirstConsumer)`);
      }
      return;
    }
    if (pvc.spec.volumeMode === 'Block') {
      recorder.record(pvc, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${sc.metadata.name ?? ''}": ${LOCAL_PATH_PROVISIONER} provisions Filesystem volumes only`);
      return;
    }
    const basePath = sc.parameters?.basePath ?? options.basePath ?? DEFAULT_BASE_PATH;
    const dir = volumeDir(pvc);
    const helper = helperPod('create', pvName, node, basePath, dir, image);
    if (!podInf.get(objectKey(HELPER_NAMESPACE, helper.metadata.name ?? ''))) {
      recorder.record(pvc, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${claim}"`);
    }
    const r = await runHelper(helper, pvcKey(pvc));
    const failed = (why: string) => `failed to provision volume with StorageClass "${sc.metadata.name ?? ''}": ${why}`;
    if (r.state === 'running') {
      if (r.stuck) recorder.record(pvc, 'Warning', 'ProvisioningFailed', failed(stuckMessage(helper, r.stuck)));
      return;
    }
    if (r.state === 'failed') {
      recorder.record(pvc, 'Warning', 'ProvisioningFailed', failed(r.reason));
      throw new Error(r.reason);
    }
    const pv: PersistentVolume = {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: pvName, annotations: { [PROVISIONED_BY_ANNOTATION]: LOCAL_PATH_PROVISIONER, 'local.path.provisioner/selected-node': node } },
      spec: {
        capacity: { storage: pvc.spec.resources?.requests?.storage ?? '0' },
        accessModes: pvc.spec.accessModes ?? ['ReadWriteOnce'],
        persistentVolumeReclaimPolicy: sc.reclaimPolicy ?? 'Delete',
        storageClassName: sc.metadata.name ?? '',
        volumeMode: 'Filesystem',
        hostPath: { path: `${basePath.replace(/\/+$/, '')}/${dir}`, type: 'DirectoryOrCreate' },
        nodeAffinity: nodeAffinityFor(node),
        claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: pvc.metadata.namespace, name: pvc.metadata.name, uid: pvc.metadata.uid, resourceVersion: pvc.metadata.resourceVersion },
        ...(sc.mountOptions ? { mountOptions: sc.mountOptions } : {}),
      },
    };
    try {
      await client.create('persistentvolumes', pv);
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
    log.info('provisioned', { claim, volume: pvName, node });
    recorder.record(pvc, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
  };

  const reclaim = async (pv: PersistentVolume): Promise<void> => {
    if (pv.metadata.annotations?.[PROVISIONED_BY_ANNOTATION] !== LOCAL_PATH_PROVISIONER) return;
    if (pv.status?.phase !== 'Released' || pv.spec.persistentVolumeReclaimPolicy !== 'Delete' || pv.metadata.deletionTimestamp) return;
    const node = volumeNode(pv);
    const path = pv.spec.hostPath?.path ?? '';
    const slash = path.lastIndexOf('/');
    if (!node || slash <= 0) {
      recorder.record(pv, 'Warning', 'VolumeFailedDelete', `cannot tell the node or directory of volume ${pv.metadata.name ?? ''}`);
      return;
    }
    const helper = helperPod('delete', pv.metadata.name ?? '', node, path.slice(0, slash), path.slice(slash + 1), image);
    const r = await runHelper(helper, pvKey(pv));
    if (r.state === 'running') {
      if (r.stuck) recorder.record(pv, 'Warning', 'VolumeFailedDelete', stuckMessage(helper, r.stuck));
      return;
    }
    if (r.state === 'failed') {
      recorder.record(pv, 'Warning', 'VolumeFailedDelete', r.reason);
      throw new Error(r.reason);
    }
    await client.delete('persistentvolumes', undefined, pv.metadata.name ?? '');
    log.info('deleted released volume', { volume: pv.metadata.name, node });
  };

  const reconcile = async (key: string): Promise<void> => {
    if (key.startsWith('pvc:')) {
      const pvc = pvcInf.get(key.slice(4));
      if (pvc) await provision(pvc);
    } else if (key.startsWith('pv:')) {
      const pv = pvInf.get(key.slice(3));
      if (pv) await reclaim(pv);
    }
  };

  const loop = runLoop('local-path-provisioner', reconcile, { clock, log, initialBackoffMs: 1000, ready: informers.waitForSync(['persistentvolumeclaims', 'persistentvolumes', 'storageclasses', 'pods']) });
  pvcInf.addHandlers({ onAdd: (c) => loop.enqueue(pvcKey(c)), onUpdate: (_o, c) => loop.enqueue(pvcKey(c)) });
  pvInf.addHandlers({ onAdd: (v) => loop.enqueue(pvKey(v)), onUpdate: (_o, v) => loop.enqueue(pvKey(v)) });
  podInf.addHandlers({
    onUpdate: (_o, p) => {
      const pvName = p.metadata.labels?.[HELPER_LABEL];
      if (!pvName || p.metadata.namespace !== HELPER_NAMESPACE) return;
      if (p.metadata.name?.startsWith('helper-delete-')) loop.enqueue(`pv:${pvName}`);
      else for (const c of pvcInf.list((c) => `pvc-${c.metadata.uid ?? ''}` === pvName)) loop.enqueue(pvcKey(c));
    },
  });
  return loop;
}
