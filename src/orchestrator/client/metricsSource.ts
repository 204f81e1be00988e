/** A pod's last usage sample, summed over its containers (per container too). */
export interface PodMetricsSample {
  namespace: string;
  name: string;
  /** Epoch ms of the sample. */
  timestamp: number;
  /** The span the CPU rate covers, ms. */
  windowMs: number;
  /** CPU in millicores, summed over the pod's containers. */
  cpuMilli: number;
  memoryBytes: number;
  containers: { name: string; cpuMilli: number; memoryBytes: number }[];
}

/**
 * The resource metrics the control plane keeps in memory (the last sample per node and per pod, as
 * metrics-server does), for controllers such as the HorizontalPodAutoscaler. Reads are synchronous
 * and cheap; a pod without a complete sample (no CPU rate yet) is absent.
 */
export interface MetricsSource {
  podMetrics(namespace: string, name: string): PodMetricsSample | undefined;
}
