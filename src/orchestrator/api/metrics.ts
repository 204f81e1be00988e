/**
 * Resource usage as the agent reports it to the control plane (`GET /stats/summary` on the kubelet
 * API, a subset of the kubelet's Summary API) and as `metrics.k8s.io/v1beta1` serves it.
 */

/** One usage sample. `usageNanoCores` is a rate over `windowMs`; absent until two samples exist. */
export interface UsageSample {
  /** Epoch ms of the (latest) sample. */
  time: number;
  usageNanoCores?: number;
  /** The span the CPU rate was measured over. */
  windowMs?: number;
  workingSetBytes: number;
}

export interface ContainerUsage extends UsageSample {
  name: string;
}

export interface PodUsage {
  namespace: string;
  name: string;
  uid: string;
  containers: ContainerUsage[];
}

/** What `GET /stats/summary` answers. */
export interface StatsSummary {
  node: UsageSample & { nodeName: string };
  pods: PodUsage[];
}

/** `usageNanoCores` as a Kubernetes quantity, as metrics-server writes it (`12345n`, `0`). */
export function cpuQuantity(nanoCores: number): string {
  const n = Math.max(0, Math.round(nanoCores));
  return n === 0 ? '0' : `${n}n`;
}

/** Bytes as metrics-server writes them (`Ki`). */
export function memoryQuantity(bytes: number): string {
  const b = Math.max(0, Math.round(bytes));
  return b !== 0 && b % 1024 === 0 ? `${b / 1024}Ki` : `${b}`;
}
