/**
 * What a pod volume became on this node, i.e. where its containers mount it from:
 * - `engine`: an engine volume (emptyDir), kept mounted by the pod's sandbox so it lives as long
 *   as the pod (a memory-backed one would otherwise vanish between container runs);
 * - `host`: a directory or file of the host (hostPath, a claim's hostPath/local volume, or the
 *   agent's own files for configMap, secret, downwardAPI and projected volumes).
 */
export type ResolvedVolume =
  | {
      kind: 'engine';
      /** The engine volume's name. */
      name: string;
      memory: boolean;
      /** Mode and group of its root (and of subPath directories made in it). */
      mode: number;
      gid: number;
      /** A remote share (an NFS PersistentVolume): its root is the server's, never chmod-ed here. */
      remote?: boolean;
      /** Mounted read-only whatever the container asks (a read-only PV or claim). */
      readOnly?: boolean;
    }
  | {
      kind: 'host';
      path: string;
      /** Mounted read-only whatever the container asks (configMap, secret, ... or a read-only claim). */
      readOnly: boolean;
      /** The path is missing and the agent cannot create it: the engine creates it. */
      engineCreates: boolean;
      /** Written by the agent through `..data` (subPaths resolve inside it). */
      agentFiles: boolean;
    };

/** The outcome of setting up a pod's volumes. */
export interface PodVolumes {
  volumes: Map<string, ResolvedVolume>;
  /** Volumes that could not be set up, with the kubelet's message for the FailedMount event. */
  failures: { volume: string; message: string }[];
  /**
   * The agent (not root, not in the pod's fsGroup) could not give files to the fsGroup: they stay
   * group-owned by the agent's group, which the containers then get as a supplementary group.
   */
  agentGroup?: number;
}

/** Labels of the engine volumes the agent makes. */
export const VOLUME_LABEL = 'io.skiff.volume';

/** Where the sandbox holds each engine volume mounted: `/.skiff/volumes/<engine volume name>`. */
export const SANDBOX_VOLUME_ROOT = '/.skiff/volumes';
