import type { StatsSummary, UsageSample } from '../../api/metrics.js';
import type { MetricsSource, PodMetricsSample } from '../../client/metricsSource.js';

export interface NodeMetricsSample {
  name: string;
  timestamp: number;
  windowMs: number;
  cpuNanoCores: number;
  memoryBytes: number;
}

interface PodEntry extends PodMetricsSample {
  node: string;
  cpuNanoCores: number;
  containerNanoCores: Map<string, number>;
}

function complete(s: UsageSample): s is UsageSample & { usageNanoCores: number; windowMs: number } {
  return typeof s.usageNanoCores === 'number' && typeof s.windowMs === 'number' && s.windowMs > 0;
}

/**
 * The last usage sample of every node and pod, in memory only (never in the datastore): the
 * metrics API and the HPA read it. A node's report replaces everything that node reported before,
 * so pods that left it disappear with its next report. Samples without a CPU rate (a container's
 * first sample) are not kept, as metrics-server skips them.
 */
export class MetricsStore implements MetricsSource {
  private readonly nodes = new Map<string, NodeMetricsSample>();
  /** namespace/name -> entry */
  private readonly pods = new Map<string, PodEntry>();

  /** Records one node's report. */
  record(summary: StatsSummary): void {
    const node = summary.node.nodeName;
    if (complete(summary.node)) {
      this.nodes.set(node, { name: node, timestamp: summary.node.time, windowMs: summary.node.windowMs, cpuNanoCores: summary.node.usageNanoCores, memoryBytes: summary.node.workingSetBytes });
    }
    for (const [k, p] of this.pods) if (p.node === node) this.pods.delete(k);
    for (const p of summary.pods) {
      if (p.containers.length === 0 || !p.containers.every(complete)) continue;
      const cs = p.containers as (UsageSample & { name: string; usageNanoCores: number; windowMs: number })[];
      const nano = cs.reduce((a, c) => a + c.usageNanoCores, 0);
      this.pods.set(`${p.namespace}/${p.name}`, {
        node,
        namespace: p.namespace,
        name: p.name,
        timestamp: Math.max(...cs.map((c) => c.time)),
        windowMs: Math.max(...cs.map((c) => c.windowMs)),
        cpuNanoCores: nano,
        cpuMilli: nano / 1e6,
        memoryBytes: cs.reduce((a, c) => a + c.workingSetBytes, 0),
        containers: cs.map((c) => ({ name: c.name, cpuMilli: c.usageNanoCores / 1e6, memoryBytes: c.workingSetBytes })),
        containerNanoCores: new Map(cs.map((c) => [c.name, c.usageNanoCores])),
      });
    }
  }

  /** Forgets a node (gone from the cluster) and its pods. */
  forgetNode(node: string): void {
    this.nodes.delete(node);
    for (const [k, p] of this.pods) if (p.node === node) this.pods.delete(k);
  }

  node(name: string): NodeMetricsSample | undefined {
    return this.nodes.get(name);
  }

  nodeNames(): string[] {
    return [...this.nodes.keys()];
  }

  podMetrics(namespace: string, name: string): PodMetricsSample | undefined {
    return this.pods.get(`${namespace}/${name}`);
  }

  /** Exact nanocores per container, for the API (millicores lose precision). */
  podNanoCores(namespace: string, name: string): Map<string, number> | undefined {
    return this.pods.get(`${namespace}/${name}`)?.containerNanoCores;
  }
}
