import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../util/clock.js';
import { silentLogger } from '../../util/logger.js';
import { FakeRuntime } from '../runtime/fake.js';
import { parseDockerStats } from '../runtime/docker.js';
import { LABELS } from '../runtime/types.js';
import { parseMeminfo, parseProcStat, StatsCollector, type HostUsage } from './stats.js';

const NODE = 'n1';

async function setup() {
  const clock = new FakeClock();
  const runtime = new FakeRuntime(clock);
  runtime.addImage('img');
  const host: HostUsage = { cpuUsageNanoSeconds: 0, memoryWorkingSetBytes: 1 << 30 };
  const stats = new StatsCollector({ runtime, clock, log: silentLogger, nodeName: NODE, readHost: async () => ({ ...host }) });
  const start = async (pod: string, container: string, extra: Record<string, string> = {}, node = NODE) => {
    const id = await runtime.create({
      name: `${pod}-${container}`,
      image: 'img',
      labels: { [LABELS.managed]: 'true', [LABELS.node]: node, [LABELS.podUid]: `uid-${pod}`, [LABELS.podNamespace]: 'default', [LABELS.podName]: pod, [LABELS.containerName]: container, ...extra },
    });
    await runtime.start(id);
    return id;
  };
  return { clock, runtime, host, stats, start };
}

describe('StatsCollector', () => {
  it('reports CPU as a rate between two calls, and working set at once', async () => {
    const { clock, runtime, host, stats, start } = await setup();
    const a = await start('web', 'main');
    runtime.usage.set(a, { cpuUsageNanoSeconds: 5e9, memoryWorkingSetBytes: 10 << 20 });
    const first = await stats.summary();
    expect(first.node.usageNanoCores).toBeUndefined();
    expect(first.pods).toEqual([{ namespace: 'default', name: 'web', uid: 'uid-web', containers: [{ name: 'main', time: clock.now(), workingSetBytes: 10 << 20 }] }]);

    await clock.advance(10_000);
    host.cpuUsageNanoSeconds += 15e9; // 1.5 cores over 10 s
    runtime.usage.set(a, { cpuUsageNanoSeconds: 5e9 + 2.5e9, memoryWorkingSetBytes: 12 << 20 }); // 250m
    const second = await stats.summary();
    expect(second.node.usageNanoCores).toBeCloseTo(1.5e9);
    expect(second.node.windowMs).toBe(10_000);
    expect(second.pods[0]?.containers[0]).toMatchObject({ name: 'main', usageNanoCores: 2.5e8, windowMs: 10_000, workingSetBytes: 12 << 20 });
  });

  it.each([
    ['sandbox containers', { [LABELS.sandbox]: 'true' }, NODE],
    ["another node's containers", {}, 'other'],
  ])('leaves out %s', async (_what, labels, node) => {
    const { stats, start } = await setup();
    await start('web', 'main', labels, node);
    expect((await stats.summary()).pods).toEqual([]);
  });

  it('leaves out stopped containers and starts over when a counter goes backwards (a new container)', async () => {
    const { clock, runtime, stats, start } = await setup();
    const a = await start('web', 'main');
    const b = await start('web', 'side');
    runtime.usage.set(a, { cpuUsageNanoSeconds: 9e9, memoryWorkingSetBytes: 1 });
    await stats.summary();
    await runtime.stop(b, 0);
    await clock.advance(5_000);
    runtime.usage.set(a, { cpuUsageNanoSeconds: 1e9, memoryWorkingSetBytes: 1 });
    const s = await stats.summary();
    expect(s.pods[0]?.containers.map((c) => c.name)).toEqual(['main']);
    expect(s.pods[0]?.containers[0]?.usageNanoCores).toBeUndefined();
    await clock.advance(5_000);
    runtime.usage.set(a, { cpuUsageNanoSeconds: 1.5e9, memoryWorkingSetBytes: 1 });
    expect((await stats.summary()).pods[0]?.containers[0]?.usageNanoCores).toBeCloseTo(1e8);
  });
});

describe('host and engine counters', () => {
  it('parses /proc/stat busy time (no idle, no iowait) in nanoseconds', () => {
    expect(parseProcStat('cpu  100 5 50 1000 20 3 2 1 0 0\ncpu0 1 1 1 1 1 1 1 1\n')).toBe((100 + 5 + 50 + 3 + 2 + 1) * 1e7);
    expect(() => parseProcStat('intr 1 2 3')).toThrow(/cpu line/);
  });

  it('parses /proc/meminfo as MemTotal - MemAvailable', () => {
    expect(parseMeminfo('MemTotal:       8000 kB\nMemFree:  100 kB\nMemAvailable:   6000 kB\n')).toBe(2000 * 1024);
    expect(() => parseMeminfo('MemTotal: 1 kB')).toThrow(/MemAvailable/);
  });

  it.each([
    ['cgroup v1', { total_inactive_file: 300 }, 700],
    ['cgroup v2', { inactive_file: 200 }, 800],
    ['no file cache', {}, 1000],
  ])('reads a Docker stats body (%s): working set = usage - inactive file', (_v, memStats, want) => {
    const s = parseDockerStats({ read: '2026-01-01T00:00:01.5Z', cpu_stats: { cpu_usage: { total_usage: 42 } }, memory_stats: { usage: 1000, stats: memStats } }, 0);
    expect(s).toEqual({ timestamp: Date.parse('2026-01-01T00:00:01.5Z'), cpuUsageNanoSeconds: 42, memoryWorkingSetBytes: want });
  });

  it('reads a stopped container (no counters) as no sample', () => {
    expect(parseDockerStats({ read: '0001-01-01T00:00:00Z', cpu_stats: { cpu_usage: {} }, memory_stats: {} }, 5)).toBeUndefined();
  });
});
