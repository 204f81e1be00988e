import type { PodDnsFiles } from '../dns/podFiles.js';
import type { KubeObject, Pod } from '../../api/types.js';
import type { Client } from '../../client/types.js';
import type { EventType } from '../../client/events.js';
import type { Clock } from '../../util/clock.js';
import type { Logger } from '../../util/logger.js';
import type { Runtime } from '../runtime/types.js';
import type { Prober } from './probes/prober.js';
import type { PodNetworkGate } from '../net/nodeNetwork.js';

/** What the kubelet needs of an event recorder (`controllers/events.ts` `EventRecorder`). Never throws. */
export interface Recorder {
  record(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

/** Everything the pod sync loop runs on, injected. */
export interface KubeletDeps {
  client: Client;
  runtime: Runtime;
  clock: Clock;
  log: Logger;
  recorder: Recorder;
  nodeName: string;
  /** The node's InternalIP: the pods' `hostIP`. */
  nodeIP: string;
  /** On the host's disk: per-pod files (termination messages) and `seccomp/` profiles. */
  dataDir: string;
  /**
   * On a memory file system (default `/dev/shm/skiff-<node>`): the files of configMap, secret,
   * downwardAPI and projected volumes, so Secrets and tokens never touch the host's disk.
   */
  memoryDir: string;
  /** Runs probes and hooks (default: the engine's exec and sockets from the host). */
  prober?: Prober;
  /** The node's pod network (net/nodeNetwork.ts); absent: pods use the engine's default bridge (kubelet-only tests). */
  podNetwork?: PodNetworkGate;
  /** The Service variables a pod's containers get (net/serviceEnv.ts). */
  serviceEnv?: (pod: Pod) => string[];
  /** Writes each pod's `/etc/resolv.conf` and `/etc/hosts` (dns/podFiles.ts); absent: the engine's own files. */
  podDns?: PodDnsFiles;
}
