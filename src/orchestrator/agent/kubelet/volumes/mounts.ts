import { mkdir, realpath } from 'node:fs/promises';
import { join, posix, sep } from 'node:path';
import type { Container, Pod } from '../../../api/types.js';
import type { MountSpec } from '../../runtime/types.js';
import { ContainerConfigError } from '../downward.js';
import { expand, lookupIn } from '../expansion.js';
import type { PodVolumes } from './types.js';

interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
  subPathExpr?: string;
  mountPropagation?: 'None' | 'HostToContainer' | 'Bidirectional';
}

/** A container's mounts, and the subPath directories to make inside engine volumes first. */
export interface MountPlan {
  mounts: MountSpec[];
  sandboxDirs: { volume: string; path: string }[];
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

function within(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The container's `volumeMounts` as engine mounts: `readOnly`, `mountPropagation`
 * (HostToContainer = rslave, Bidirectional = rshared, privileged containers only), `subPath` and
 * `subPathExpr` (`$(VAR)` from the container's environment). A subPath must stay inside its
 * volume: in an emptyDir it is made as a real directory (never through a symlink); in the agent's
 * own files it resolves to the file as it is now, which, as on Kubernetes, then receives no
 * updates; in a host path it is created when missing and must not lead outside the path.
 */
export async function containerMounts(pod: Pod, c: Container, pv: PodVolumes, env: ReadonlyMap<string, string>): Promise<MountPlan> {
  const plan: MountPlan = { mounts: [], sandboxDirs: [] };
  const privileged = (c.securityContext as { privileged?: boolean } | undefined)?.privileged === true;
  for (const m of (c.volumeMounts as VolumeMount[] | undefined) ?? []) {
    const v = pv.volumes.get(m.name);
    if (!v) throw new ContainerConfigError(`cannot find volume "${m.name}" to mount into container "${c.name}"`);
    let sub = m.subPath ?? '';
    if (m.subPathExpr) {
      sub = expand(m.subPathExpr, lookupIn(env));
      if (sub.includes('$(')) throw new ContainerConfigError(`failed to prepare subPath for volumeMount "${m.name}" of container "${c.name}": unresolved variable in subPathExpr ${JSON.stringify(m.subPathExpr)}`);
    }
    sub = sub.replace(/\/+$/, '');
    if (sub && (posix.isAbsolute(sub) || sub.split('/').includes('..'))) {
      throw new ContainerConfigError(`failed to prepare subPath for volumeMount "${m.name}" of container "${c.name}": subPath ${JSON.stringify(sub)} must be a relative path without '..'`);
    }
    const propagation = m.mountPropagation === 'HostToContainer' ? 'rslave' : m.mountPropagation === 'Bidirectional' ? 'rshared' : undefined;
    if (propagation === 'rshared' && !privileged) {
      throw new ContainerConfigError(`Bidirectional mount propagation is available only to privileged containers (volumeMount "${m.name}" of container "${c.name}")`);
    }
    if (v.kind === 'engine') {
      plan.mounts.push({ type: 'volume', source: v.name, target: m.mountPath, readOnly: !!m.readOnly || !!v.readOnly, ...(sub ? { subPath: sub } : {}) });
      if (sub) plan.sandboxDirs.push({ volume: v.name, path: sub });
      continue;
    }
    let source = v.path;
    let createHostDir = v.engineCreates;
    if (sub) {
      const root = await realpath(v.path).catch(() => v.path);
      const wanted = join(root, sub);
      let resolved = await realpath(wanted).catch((e: unknown) => (code(e) === 'ENOENT' ? undefined : Promise.reject(e)));
      if (!resolved) {
        if (v.agentFiles) throw new ContainerConfigError(`failed to prepare subPath for volumeMount "${m.name}" of container "${c.name}": ${sub} does not exist in the volume`);
        try {
          await mkdir(wanted, { recursive: true, mode: 0o755 });
          resolved = await realpath(wanted);
        } catch (e) {
          if (code(e) !== 'EACCES' && code(e) !== 'EPERM') throw e;
          createHostDir = true;
          resolved = wanted;
        }
      }
      if (!within(root, resolved)) throw new ContainerConfigError(`failed to prepare subPath for volumeMount "${m.name}" of container "${c.name}": subpath "${resolved}" not within volume path "${root}"`);
      source = resolved;
    }
    plan.mounts.push({
      type: 'bind',
      source,
      target: m.mountPath,
      readOnly: v.readOnly || !!m.readOnly,
      ...(propagation ? { propagation } : {}),
      ...(createHostDir ? { createHostDir: true } : {}),
    });
  }
  return plan;
}
