import type { Pod } from '../../api/types.js';
import type { Clock } from '../../util/clock.js';
import type { Runtime } from '../runtime/types.js';
import { memoryToBytes } from './quantity.js';
import { engineVolumeName } from './volumes/volumeManager.js';

/** How often a pod's disk emptyDirs are measured (the kubelet's eviction manager runs every 10 s). */
export const EMPTYDIR_CHECK_MS = 10_000;

interface LimitedEmptyDir {
  name: string;
  engineVolume: string;
  limit: string;
  limitBytes: number;
}

/** The pod's disk emptyDirs with a positive `sizeLimit` (a Memory one is a tmpfs of that size: it cannot grow past it). */
export function limitedEmptyDirs(pod: Pod): LimitedEmptyDir[] {
  const out: LimitedEmptyDir[] = [];
  for (const v of (pod.spec.volumes ?? []) as { name: string; emptyDir?: { medium?: string; sizeLimit?: string } }[]) {
    const e = v.emptyDir;
    if (!e || e.medium === 'Memory' || !e.sizeLimit) continue;
    const limitBytes = memoryToBytes(e.sizeLimit);
    if (limitBytes && limitBytes > 0) out.push({ name: v.name, engineVolume: engineVolumeName(pod, v.name), limit: e.sizeLimit, limitBytes });
  }
  return out;
}

/**
 * The kubelet eviction manager's emptyDir check: measures each limited disk emptyDir of a pod at
 * most every `EMPTYDIR_CHECK_MS` and answers the eviction message (the kubelet's words) for the
 * first one over its limit. Pods are identified by uid; `forget` drops one.
 */
export class EmptyDirLimits {
  private readonly lastCheck = new Map<string, number>();

  constructor(
    private readonly runtime: Runtime,
    private readonly clock: Clock,
  ) {}

  /** The eviction message, or undefined when every limited emptyDir is within its limit (or was measured just now). */
  async check(pod: Pod): Promise<string | undefined> {
    const limited = limitedEmptyDirs(pod);
    const uid = pod.metadata.uid ?? '';
    if (limited.length === 0) return undefined;
    const now = this.clock.now();
    const last = this.lastCheck.get(uid);
    if (last !== undefined && now - last < EMPTYDIR_CHECK_MS) return undefined;
    this.lastCheck.set(uid, now);
    const usage = await this.runtime.volumeUsage(limited.map((l) => l.engineVolume));
    const over = limited.find((l) => (usage.get(l.engineVolume) ?? 0) > l.limitBytes);
    return over && `Usage of EmptyDir volume "${over.name}" exceeds the limit "${over.limit}". `;
  }

  forget(uid: string): void {
    this.lastCheck.delete(uid);
  }
}
