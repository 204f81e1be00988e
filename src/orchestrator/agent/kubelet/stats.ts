import { readFile } from 'node:fs/promises';
import type { ContainerUsage, PodUsage, StatsSummary, UsageSample } from '../../api/metrics.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import { LABELS, type Runtime } from '../runtime/types.js';

/** The host's own usage: cumulative CPU (all cores) and the memory in use. */
export interface HostUsage {
  cpuUsageNanoSeconds: number;
  memoryWorkingSetBytes: number;
}

export interface StatsCollectorDeps {
  runtime: Runtime;
  clock: Clock;
  log: Logger;
  nodeName: string;
  /** Default: /proc/stat and /proc/meminfo of the machine the agent runs on. */
  readHost?: () => Promise<HostUsage>;
}

interface Prev {
  at: number;
  cpu: number;
}

/**
 * Answers the kubelet's `/stats/summary`: the node's and each running pod container's CPU and
 * working set, from the engine's cgroup counters. CPU is a rate between this sample and the one
 * taken at the previous call (the control plane scrapes on a fixed period, as metrics-server does),
 * so the first call after a container starts reports no CPU yet. Sandbox containers are left out,
 * as metrics-server leaves out the pause container.
 */
export class StatsCollector {
  private readonly prev = new Map<string, Prev>();
  private readonly readHost: () => Promise<HostUsage>;

  constructor(private readonly d: StatsCollectorDeps) {
    this.readHost = d.readHost ?? readProcHost;
  }

  async summary(): Promise<StatsSummary> {
    const seen = new Set<string>();
    const host = await this.readHost();
    const now = this.d.clock.now();
    const node = { nodeName: this.d.nodeName, ...this.sample('node', now, host.cpuUsageNanoSeconds, host.memoryWorkingSetBytes) };
    seen.add('node');
    const containers = await this.d.runtime.list({ [LABELS.managed]: 'true', [LABELS.node]: this.d.nodeName });
    const pods = new Map<string, PodUsage>();
    await Promise.all(
      containers
        .filter((c) => c.state === 'running' && c.labels[LABELS.sandbox] !== 'true' && c.labels[LABELS.containerName])
        .map(async (c) => {
          let s;
          try {
            s = await this.d.runtime.stats(c.id);
          } catch (e) {
            this.d.log.debug('cannot read container stats', { id: c.id.slice(0, 12), error: e instanceof Error ? e.message : String(e) });
            return;
          }
          if (!s) return;
          seen.add(c.id);
          const uid = c.labels[LABELS.podUid] ?? '';
          let pod = pods.get(uid);
          if (!pod) {
            pod = { namespace: c.labels[LABELS.podNamespace] ?? '', name: c.labels[LABELS.podName] ?? '', uid, containers: [] };
            pods.set(uid, pod);
          }
          const usage: ContainerUsage = { name: c.labels[LABELS.containerName] ?? '', ...this.sample(c.id, s.timestamp, s.cpuUsageNanoSeconds, s.memoryWorkingSetBytes) };
          pod.containers.push(usage);
        }),
    );
    for (const id of this.prev.keys()) if (!seen.has(id)) this.prev.delete(id);
    for (const p of pods.values()) p.containers.sort((a, b) => a.name.localeCompare(b.name));
    return { node, pods: [...pods.values()] };
  }

  private sample(key: string, at: number, cpu: number, workingSetBytes: number): UsageSample {
    const before = this.prev.get(key);
    const out: UsageSample = { time: at, workingSetBytes };
    // A counter that went backwards is a new container (or cgroup) under the same key: start over.
    if (before && at > before.at && cpu >= before.cpu) {
      out.windowMs = at - before.at;
      // CPU nanoseconds per wall-clock second (times are in ms).
      out.usageNanoCores = ((cpu - before.cpu) / (at - before.at)) * 1e3;
    }
    if (!before || at > before.at || cpu < before.cpu) this.prev.set(key, { at, cpu });
    return out;
  }
}

/** USER_HZ: /proc/stat counts in 1/100 s on every Linux architecture Docker runs on. */
const TICK_NS = 1e7;

export function parseProcStat(text: string): number {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('/proc/stat has no cpu line');
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy time leaves out idle and iowait.
  const busy = f.slice(0, 8).reduce((a, v, i) => (i === 3 || i === 4 ? a : a + (Number.isFinite(v) ? v : 0)), 0);
  return busy * TICK_NS;
}

export function parseMeminfo(text: string): number {
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  const total = kb('MemTotal');
  const available = kb('MemAvailable');
  if (!Number.isFinite(total) || !Number.isFinite(available)) throw new Error('/proc/meminfo lacks MemTotal or MemAvailable');
  return (total - available) * 1024;
}

async function readProcHost(): Promise<HostUsage> {
  const [stat, mem] = await Promise.all([readFile('/proc/stat', 'utf8'), readFile('/proc/meminfo', 'utf8')]);
  return { cpuUsageNanoSeconds: parseProcStat(stat), memoryWorkingSetBytes: parseMeminfo(mem) };
}
