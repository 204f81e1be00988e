import { chmod, lstat, mkdir, readdir, readlink, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { isNotFound } from '../../../api/errors.js';
import type { Pod } from '../../../api/types.js';
import type { Client } from '../../../client/types.js';
import type { Clock } from '../../../util/clock.js';
import type { Logger } from '../../../util/logger.js';
import { LABELS, type MountSpec, type Runtime } from '../../runtime/types.js';
import type { PodContext } from '../downward.js';
import type { ObjectSource } from '../env.js';
import { memoryToBytes } from '../quantity.js';
import { writeAtomically, type Payload } from './atomicWriter.js';
import { resolveClaim } from './claims.js';
import { checkHostPath } from './hostPath.js';
import { downwardPayload, projectedPayload, singleObjectPayload, type DownwardItem, type ObjectVolumeSource, type ProjectedSource, type TokenSource } from './payload.js';
import { SANDBOX_VOLUME_ROOT, VOLUME_LABEL, type PodVolumes, type ResolvedVolume } from './types.js';

export interface VolumeManagerDeps {
  runtime: Runtime;
  client: Client;
  clock: Clock;
  log: Logger;
  objects: ObjectSource;
  tokens: TokenSource;
  nodeName: string;
  /** On the host's disk: per-pod termination-message files. */
  dataDir: string;
  /** On a memory file system (`/dev/shm/...`): the agent's files for configMap, secret, downwardAPI and projected volumes. */
  memoryDir: string;
}

interface VolumeSource {
  name: string;
  emptyDir?: { medium?: string; sizeLimit?: string };
  hostPath?: { path?: string; type?: string };
  configMap?: ObjectVolumeSource;
  secret?: ObjectVolumeSource;
  downwardAPI?: { items?: DownwardItem[]; defaultMode?: number };
  projected?: { sources?: ProjectedSource[]; defaultMode?: number };
  persistentVolumeClaim?: { claimName?: string; readOnly?: boolean };
  [source: string]: unknown;
}

const TMPFS_MAGIC = 0x01021994;

/** Unique on the engine: pod uid and volume name. */
export function engineVolumeName(pod: Pod, volume: string): string {
  return `skiff-${pod.metadata.uid ?? ''}-${volume}`;
}

/**
 * Sets up and tears down pods' volumes on this node, as the kubelet's volume manager and plugins:
 * - `emptyDir`: an engine volume (medium `Memory`: tmpfs with `sizeLimit` as its size), mode 0777
 *   (setgid and group `fsGroup` with one), removed with the pod;
 * - `hostPath`: the path, after its `type` check; `persistentVolumeClaim`: the bound
 *   PersistentVolume's hostPath or local path;
 * - `configMap`, `secret`, `downwardAPI`, `projected`: files the agent writes with the atomic
 *   `..data` swap into its memory directory (never the disk: Secrets and tokens stay in RAM),
 *   rewritten on every sync so updates reach running pods.
 * Everything is idempotent; `setUp` is called on every sync and writes only what changed. The agent
 * needs no root: the engine owns emptyDir storage (and removes what containers wrote there), and
 * the agent's own files are the agent's.
 */
export class VolumeManager {
  /** Disk emptyDirs whose root already got its mode through the sandbox. */
  private readonly prepared = new Set<string>();
  private readonly claims = new Map<string, ResolvedVolume>();
  private memoryChecked?: Promise<boolean>;

  constructor(private readonly d: VolumeManagerDeps) {}

  podMemoryDir(uid: string): string {
    return join(this.d.memoryDir, 'pods', uid);
  }

  podDataDir(uid: string): string {
    return join(this.d.dataDir, 'pods', uid);
  }

  /** Sets up every volume of the pod; failures are reported per volume, the others still set up. */
  async setUp(pod: Pod, ctx: PodContext): Promise<PodVolumes> {
    const out: PodVolumes = { volumes: new Map(), failures: [] };
    for (const v of (pod.spec.volumes as VolumeSource[] | undefined) ?? []) {
      try {
        const r = await this.setUpOne(pod, v, ctx, out);
        if (r) out.volumes.set(v.name, r);
      } catch (e) {
        out.failures.push({ volume: v.name, message: `MountVolume.SetUp failed for volume "${v.name}" : ${e instanceof Error ? e.message : String(e)}` });
      }
    }
    return out;
  }

  private async setUpOne(pod: Pod, v: VolumeSource, ctx: PodContext, out: PodVolumes): Promise<ResolvedVolume | undefined> {
    const fsGroup = podFsGroup(pod);
    if (v.emptyDir) return this.emptyDir(pod, v.name, v.emptyDir, fsGroup);
    if (v.hostPath) {
      const path = v.hostPath.path ?? '';
      const r = await checkHostPath(path, v.hostPath.type ?? '');
      return { kind: 'host', path, readOnly: false, engineCreates: r.engineCreates, agentFiles: false };
    }
    if (v.persistentVolumeClaim) {
      const key = `${pod.metadata.uid}/${v.name}`;
      const cached = this.claims.get(key);
      if (cached) return cached;
      const src = await resolveClaim(this.d.client, pod, v.persistentVolumeClaim.claimName ?? '', v.persistentVolumeClaim.readOnly === true);
      let r: ResolvedVolume = src as ResolvedVolume;
      if (src.kind === 'nfs') {
        const name = engineVolumeName(pod, v.name);
        await this.d.runtime.createVolume({ name, labels: this.volumeLabels(pod, v.name), nfs: src.nfs });
        r = { kind: 'engine', name, memory: false, mode: 0, gid: 0, remote: true, readOnly: src.nfs.readOnly === true };
      }
      this.claims.set(key, r);
      return r;
    }
    let payload: Payload | undefined;
    let secret = false;
    if (v.configMap) payload = await singleObjectPayload('configmaps', pod, v.configMap, this.d.objects);
    else if (v.secret) {
      secret = true;
      payload = await singleObjectPayload('secrets', pod, v.secret, this.d.objects);
    } else if (v.downwardAPI) {
      payload = new Map();
      downwardPayload(pod, v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? 0o644, ctx, payload);
    } else if (v.projected) {
      secret = true;
      payload = await projectedPayload(pod, v.projected.sources ?? [], v.projected.defaultMode ?? 0o644, { objects: this.d.objects, tokens: this.d.tokens, ctx });
    }
    if (!payload) return undefined; // a source the API warns about and the kubelet does not mount
    if (secret && !(await this.memoryIsTmpfs())) {
      throw new Error(`secrets are kept in memory only, and ${this.d.memoryDir} is not on a memory file system (tmpfs) on this host`);
    }
    const dir = join(this.podMemoryDir(pod.metadata.uid ?? ''), 'volumes', v.name);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // The mount root as Kubernetes shows it: 1777 for memory-backed sources, 0777 otherwise.
    await chmod(dir, secret ? 0o1777 : 0o777);
    await writeAtomically(dir, payload, {
      now: this.d.clock.now(),
      ...(fsGroup !== undefined ? { ownership: { gid: fsGroup } } : {}),
      onOwnershipDenied: () => {
        out.agentGroup = process.getgid?.() ?? 0;
      },
    });
    if (fsGroup !== undefined && out.agentGroup === undefined && !(await this.hasGroup(dir, fsGroup))) out.agentGroup = process.getgid?.() ?? 0;
    return { kind: 'host', path: dir, readOnly: true, engineCreates: false, agentFiles: true };
  }

  private async hasGroup(dir: string, gid: number): Promise<boolean> {
    const ts = await readlink(join(dir, '..data')).catch(() => undefined);
    if (!ts) return true;
    return (await lstat(join(dir, ts))).gid === gid;
  }

  private async emptyDir(pod: Pod, name: string, src: { medium?: string; sizeLimit?: string }, fsGroup: number | undefined): Promise<ResolvedVolume> {
    const memory = src.medium === 'Memory';
    const mode = fsGroup !== undefined ? 0o2777 : 0o777;
    const gid = fsGroup ?? 0;
    const volume = engineVolumeName(pod, name);
    const sizeBytes = memory ? memoryToBytes(src.sizeLimit) : undefined;
    await this.d.runtime.createVolume({ name: volume, labels: this.volumeLabels(pod, name), ...(memory ? { tmpfs: { mode, gid, ...(sizeBytes ? { sizeBytes } : {}) } } : {}) });
    return { kind: 'engine', name: volume, memory, mode, gid };
  }

  /** Labels of the pod's engine volumes: removed with the pod by these. */
  private volumeLabels(pod: Pod, name: string): Record<string, string> {
    const m = pod.metadata;
    return {
      [LABELS.managed]: 'true',
      [LABELS.node]: this.d.nodeName,
      [LABELS.podUid]: m.uid ?? '',
      [LABELS.podNamespace]: m.namespace ?? 'default',
      [LABELS.podName]: m.name ?? '',
      [VOLUME_LABEL]: name,
    };
  }

  /** What the pod's sandbox mounts: every engine volume, so each lives (and stays mounted) as long as the pod. */
  sandboxMounts(pv: PodVolumes): MountSpec[] {
    const out: MountSpec[] = [];
    for (const v of pv.volumes.values()) if (v.kind === 'engine') out.push({ type: 'volume', source: v.name, target: `${SANDBOX_VOLUME_ROOT}/${v.name}` });
    return out;
  }

  /**
   * Gives disk emptyDirs their root mode and group, and makes subPath directories, through the
   * running sandbox: the engine applies the tar's modes and owners as root (the agent may not be).
   * `dirs` are `[engine volume, relative path]` pairs to create inside volumes.
   */
  async prepareInSandbox(sandboxId: string, pv: PodVolumes, dirs: { volume: string; path: string }[] = []): Promise<void> {
    const entries: { name: string; mode: number; gid: number }[] = [];
    for (const v of pv.volumes.values()) {
      if (v.kind !== 'engine' || v.memory || v.remote || this.prepared.has(`${sandboxId}/${v.name}`)) continue;
      entries.push({ name: `${v.name}/`, mode: v.mode, gid: v.gid });
    }
    for (const d of dirs) {
      const v = [...pv.volumes.values()].find((x) => x.kind === 'engine' && x.name === d.volume);
      if (!v || v.kind !== 'engine') continue;
      // Every component is a directory entry: an existing symlink there is replaced, never followed.
      const parts = d.path.split('/').filter(Boolean);
      for (let i = 1; i <= parts.length; i++) entries.push({ name: `${v.name}/${parts.slice(0, i).join('/')}/`, mode: v.mode, gid: v.gid });
    }
    if (!entries.length) return;
    await this.d.runtime.putArchive(sandboxId, SANDBOX_VOLUME_ROOT, await dirTar(entries));
    for (const e of entries) if (e.name.split('/').length === 2) this.prepared.add(`${sandboxId}/${e.name.slice(0, -1)}`);
  }

  /** Removes everything of a pod that is gone: its files and its engine volumes (once no container uses them). */
  async tearDown(uid: string): Promise<void> {
    await rm(this.podMemoryDir(uid), { recursive: true, force: true });
    await rm(this.podDataDir(uid), { recursive: true, force: true });
    for (const k of this.claims.keys()) if (k.startsWith(`${uid}/`)) this.claims.delete(k);
    for (const k of this.prepared) if (k.includes(`skiff-${uid}-`)) this.prepared.delete(k);
    const vols = await this.d.runtime.listVolumes({ [LABELS.managed]: 'true', [LABELS.node]: this.d.nodeName, [LABELS.podUid]: uid });
    for (const v of vols) {
      try {
        await this.d.runtime.removeVolume(v.name);
      } catch (e) {
        // Still mounted by a container being removed: the next sweep gets it.
        this.d.log.debug('volume not removed yet', { volume: v.name, error: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  /**
   * Tears down the volumes and files of pods that are gone (deleted while the agent was away).
   * `isLive` is asked at the moment of each teardown (a pod may appear while the sweep runs), and a
   * pod that still has containers on the engine is left for the orphan sweep to remove first.
   */
  async sweep(isLive: (uid: string) => boolean): Promise<void> {
    const uids = new Set<string>();
    for (const root of [join(this.d.memoryDir, 'pods'), join(this.d.dataDir, 'pods')]) {
      for (const u of await readdir(root).catch(() => [] as string[])) uids.add(u);
    }
    for (const v of await this.d.runtime.listVolumes({ [LABELS.managed]: 'true', [LABELS.node]: this.d.nodeName })) {
      const u = v.labels[LABELS.podUid];
      if (u) uids.add(u);
    }
    for (const u of uids) {
      if (isLive(u)) continue;
      const left = await this.d.runtime.list({ [LABELS.managed]: 'true', [LABELS.node]: this.d.nodeName, [LABELS.podUid]: u });
      if (left.length === 0 && !isLive(u)) await this.tearDown(u);
    }
  }

  private memoryIsTmpfs(): Promise<boolean> {
    this.memoryChecked ??= (async () => {
      await mkdir(this.d.memoryDir, { recursive: true, mode: 0o700 });
      const st = await statfs(this.d.memoryDir);
      return st.type === TMPFS_MAGIC;
    })().catch((e: unknown) => {
      this.memoryChecked = undefined;
      if (isNotFound(e)) return false;
      throw e;
    });
    return this.memoryChecked;
  }
}

/** The pod's `securityContext.fsGroup`, if set. */
export function podFsGroup(pod: Pod): number | undefined {
  const g = (pod.spec.securityContext as { fsGroup?: unknown } | undefined)?.fsGroup;
  return typeof g === 'number' && Number.isInteger(g) && g >= 0 ? g : undefined;
}

async function dirTar(entries: { name: string; mode: number; gid: number }[]): Promise<Buffer> {
  const p = pack();
  for (const e of entries) p.entry({ name: e.name, type: 'directory', mode: e.mode, uid: 0, gid: e.gid });
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const c of p) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
