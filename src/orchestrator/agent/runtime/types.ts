import type { Disposable } from '../../util/disposable.js';
import type { Readable, Writable } from 'node:stream';

/**
 * Labels on every container the agent owns. The agent lists, adopts and removes only containers
 * carrying `io.skiff.managed=true` and its own node's `io.skiff.node`; it never touches others.
 */
export const LABELS = {
  managed: 'io.skiff.managed',
  node: 'io.skiff.node',
  podUid: 'io.skiff.pod.uid',
  podNamespace: 'io.skiff.pod.namespace',
  podName: 'io.skiff.pod.name',
  containerName: 'io.skiff.container.name',
  /** 0 for the first instance of a pod's container, +1 per restart: the restartCount survives the agent. */
  attempt: 'io.skiff.container.attempt',
  /** Hash of the container's spec; a different hash means the spec changed and the container is replaced. */
  hash: 'io.skiff.container.hash',
  /** `true` on a pod's sandbox container, which holds the pod's network (it has no container name). */
  sandbox: 'io.skiff.sandbox',
} as const;

/** Docker's container states. */
export type RuntimeState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** What `create` needs, in Docker's terms (the kubelet maps a pod's container onto it). */
export interface ContainerCreateSpec {
  /** The engine-level name; unique on the engine. */
  name: string;
  image: string;
  /** `KEY=value` entries. */
  env?: string[];
  /** Kubernetes `command`: replaces the image's entrypoint (and drops the image's CMD). */
  entrypoint?: string[];
  /** Kubernetes `args`: replaces the image's CMD. */
  cmd?: string[];
  workingDir?: string;
  /** Informational `EXPOSE`s. Ignored for containers that join another's network (Docker refuses both). */
  exposedPorts?: { port: number; protocol: 'tcp' | 'udp' | 'sctp' }[];
  labels: Record<string, string>;
  /** CPU limit in units of 1e-9 CPUs (Docker `NanoCpus`). */
  nanoCpus?: number;
  /** Memory limit in bytes (Docker `Memory`). */
  memoryBytes?: number;
  /** `container:<id>` to share that container's network namespace, a network's name, `host`; absent for the engine's default bridge. */
  networkMode?: string;
  /** Host ports published to the container (a pod's `hostPort`s, on its sandbox). */
  portBindings?: { containerPort: number; protocol: 'tcp' | 'udp' | 'sctp'; hostPort: number; hostIP?: string }[];
  /** Only for containers that own their network. */
  hostname?: string;
  /** Keep the main process's standard input open for `attach` (Kubernetes `stdin`). */
  stdin?: boolean;
  /** Close standard input when the first attached client detaches (Kubernetes `stdinOnce`). */
  stdinOnce?: boolean;
  /** Run the main process under a pseudo-terminal (Kubernetes `tty`). */
  tty?: boolean;
  /** Volumes, host paths and files mounted into the container (Docker `HostConfig.Mounts`). */
  mounts?: MountSpec[];
  /** `uid[:gid]` or `name[:gid]` the main process runs as (Docker `User`). */
  user?: string;
  /** Supplementary groups (numeric gids) of the main process. */
  groupAdd?: string[];
  /** Linux capabilities, Kubernetes style (`NET_ADMIN`, `ALL`). */
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  readonlyRootfs?: boolean;
  /** Docker security options: `no-new-privileges`, `seccomp=...`, `apparmor=...`, `label=...`. */
  securityOpt?: string[];
  /** Namespaced kernel parameters (`net.*` only on the container that owns the network). */
  sysctls?: Record<string, string>;
  /** Relative CPU weight (Docker `CpuShares`, from `requests.cpu`). */
  cpuShares?: number;
  /** Soft memory limit in bytes (Docker `MemoryReservation`, from `requests.memory`). */
  memoryReservationBytes?: number;
  /** `host` or `container:<id>` to share a PID namespace. */
  pidMode?: string;
  /** `host`, `shareable`, or `container:<id>`. */
  ipcMode?: string;
  /** Paths masked / read-only under /proc and /sys; an empty list unmasks everything (`procMount: Unmasked`). */
  maskedPaths?: string[];
  readonlyPaths?: string[];
}

/**
 * One mount of a container. `bind` mounts a path of the host (the agent's own files, hostPath,
 * local persistent volumes); `volume` mounts an engine volume by name (emptyDir), or one path
 * inside it (`subPath`).
 */
export interface MountSpec {
  type: 'bind' | 'volume';
  /** Host path (bind) or volume name (volume). */
  source: string;
  target: string;
  readOnly?: boolean;
  /** Bind only: mount propagation (Kubernetes `mountPropagation`). */
  propagation?: 'rprivate' | 'rslave' | 'rshared';
  /** Volume only: a relative path inside the volume that must already exist. */
  subPath?: string;
  /** Bind only: let the engine create a missing host directory (it can where the agent, not root, cannot). */
  createHostDir?: boolean;
}

/** An engine volume: named storage that outlives the containers mounting it. */
export interface VolumeSpec {
  name: string;
  labels: Record<string, string>;
  /** Memory-backed (tmpfs): size limit, mode and owner of its root. Absent: on the engine's disk. */
  tmpfs?: { sizeBytes?: number; mode?: number; uid?: number; gid?: number };
  /**
   * An NFS export the engine mounts (its `local` driver, `type=nfs`, the host kernel's NFS client)
   * while a container uses the volume. `server` is a host name or address, `path` absolute;
   * neither, nor any option, may hold a comma (the engine joins them into mount options).
   */
  nfs?: { server: string; path: string; readOnly?: boolean; options?: string[] };
}

export interface VolumeSummary {
  name: string;
  labels: Record<string, string>;
}

/** Credentials for one pull, as Docker's `X-Registry-Auth` carries them. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  /** base64 of `user:password` (a Docker config's `auth`). */
  auth?: string;
  /** The registry the credentials are for (`127.0.0.1:5000`, `https://index.docker.io/v1/`). */
  serveraddress?: string;
  identitytoken?: string;
  registrytoken?: string;
}

/** A local image, as far as the kubelet cares. */
export interface ImageInfo {
  id: string;
  sizeBytes: number;
  /** The image's configured user (`USER`), '' when it runs as root by default. */
  user: string;
}

/** A container as a list returns it. */
export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  state: RuntimeState;
  /** Epoch ms. */
  createdAt: number;
}

/** A container as inspect returns it. Times are epoch ms; absent when the event never happened. */
export interface ContainerDetails extends ContainerSummary {
  /** The image's id (`sha256:...`). */
  imageId: string;
  running: boolean;
  exitCode: number;
  /** The engine's message when the container could not start (then `state` stays `created`). */
  error?: string;
  oomKilled: boolean;
  startedAt?: number;
  finishedAt?: number;
  /** The IP on the container's own network; absent when it joins another container's network or is stopped. */
  ip?: string;
  /** `default`, `bridge`, `container:<id>`, ... */
  networkMode: string;
}

export interface LogOptions {
  /** Keep the stream open and deliver new output until the container stops or the stream is destroyed. */
  follow?: boolean;
  /** Only the last N lines. */
  tail?: number;
  /** Prefix each line with an RFC3339Nano timestamp and a space. */
  timestamps?: boolean;
  /** Only lines from this time on (epoch seconds; a fraction is kept, to the microsecond). */
  since?: number;
}

export interface PullProgress {
  status: string;
  /** The layer this line is about. */
  id?: string;
  progress?: string;
  /** Bytes of the layer done and in all (while downloading). */
  current?: number;
  total?: number;
}

/** The engine and its host, as the Node status reports them. */
export interface EngineInfo {
  ncpu: number;
  memTotalBytes: number;
  /** e.g. `Debian GNU/Linux 12 (bookworm)` */
  operatingSystem: string;
  /** `linux` or `windows` */
  osType: string;
  /** The engine's view, e.g. `x86_64` or `aarch64`. */
  architecture: string;
  kernelVersion: string;
  serverVersion: string;
  hostname: string;
}

/**
 * A container's resource usage at one instant, as cgroups count it. CPU is cumulative (a rate needs
 * two samples); memory is the working set (usage minus inactive file cache), the figure the kubelet
 * and metrics-server report and the OOM killer acts on.
 */
export interface ContainerStats {
  /** Epoch ms when the engine read the sample. */
  timestamp: number;
  /** CPU time used since the container started, in nanoseconds. */
  cpuUsageNanoSeconds: number;
  memoryWorkingSetBytes: number;
}

/** What `exec` runs, and which of its standard streams are wired. */
export interface ExecOptions {
  /** argv; never passed through a shell by the runtime. */
  cmd: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  /** Run under a pseudo-terminal: output comes on `stdout` only (the terminal merges both). */
  tty: boolean;
}

/** Which streams `attach` wires to the container's main process. */
export interface AttachOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

/**
 * A process in a container with its standard streams: a command started by `exec`, or the main
 * process joined by `attach`.
 * - `stdin` is present when asked for; `end()` closes the process's standard input.
 * - `stdout` / `stderr` are present when asked for (`stderr` never with a TTY); both end when the
 *   process's output is done.
 * - `wait()` resolves with the exit code once the process has ended and every stream asked for has
 *   been read to its end (so output is never reported after the exit); the caller must read them.
 *   For `attach` it is the container's exit code.
 * - `close()` abandons the session: streams end, the process is left to itself (as `docker exec`).
 */
export interface ExecProcess {
  stdin?: Writable;
  stdout?: Readable;
  stderr?: Readable;
  /** Resizes the pseudo-terminal (characters); a no-op without one. */
  resize(width: number, height: number): Promise<void>;
  wait(): Promise<number>;
  close(): void;
}

/** A change to a container, from the engine's event stream. */
export interface RuntimeEvent {
  /** `create`, `start`, `die`, `oom`, `kill`, `stop`, `destroy`, ... */
  action: string;
  containerId: string;
  labels: Record<string, string>;
}

/**
 * The container engine as the kubelet needs it. Implementations: `DockerRuntime` (dockerode) and
 * `FakeRuntime` (in memory, for unit tests). All methods are safe to call concurrently.
 *
 * Contract:
 * - `list` returns every container (running or not) whose labels include all of `labels`.
 * - `create` does not start; `start` of a running container is a no-op. A failed `start` throws and
 *   leaves the container in state `created` with `error` set (as Docker does).
 * - `stop` sends SIGTERM, then SIGKILL after `graceSeconds`; stopping a stopped or missing
 *   container is a no-op. `remove` force-removes; removing a missing container is a no-op.
 * - `inspect` resolves `undefined` for a missing container (never throws not-found).
 * - Restart counting is not the engine's job: the kubelet records it in container labels.
 * - `logs` yields plain text: stdout and stderr merged in order, without Docker's frame headers.
 *   Destroy the stream to stop following.
 * - `stats` reads one sample at once (never streams, never waits for a second sample).
 * - `exec` starts a command in a running container (rejects when the container is not running);
 *   `attach` joins a running container's main process. See `ExecProcess`.
 * - Volumes (`createVolume`...) carry labels as containers do; `putArchive` writes into a container's
 *   mounts as the engine's root (how the agent prepares a volume's root and subPaths without root).
 * - `events` delivers container events (best effort; callers must also resync periodically) until
 *   disposed, reconnecting on its own if the engine restarts.
 */
export interface Runtime {
  list(labels: Record<string, string>): Promise<ContainerSummary[]>;
  inspect(id: string): Promise<ContainerDetails | undefined>;
  /** Pulls `image` (`name[:tag][@digest]`, `:latest` when untagged), with `auth` when given; rejects with the engine's message. */
  pull(image: string, onProgress?: (p: PullProgress) => void, auth?: RegistryAuth): Promise<void>;
  /** The local image's id (`sha256:...`), or `undefined` when the image is not present. */
  imageId(image: string): Promise<string | undefined>;
  /** The local image's id, size and user, or `undefined` when the image is not present. */
  imageInfo(image: string): Promise<ImageInfo | undefined>;
  /** Creates a volume; an existing volume of that name is kept as it is. */
  createVolume(spec: VolumeSpec): Promise<void>;
  /** Removes a volume; a missing one is a no-op. Rejects while a container still uses it. */
  removeVolume(name: string): Promise<void>;
  /** Every volume whose labels include all of `labels`. */
  listVolumes(labels: Record<string, string>): Promise<VolumeSummary[]>;
  /**
   * Bytes stored in each named volume that exists (the engine's disk usage figures: a walk of each
   * volume, so call it now and then, not in a tight loop). Missing volumes are left out.
   */
  volumeUsage(names: readonly string[]): Promise<Map<string, number>>;
  /**
   * Extracts a tar into a container's file system at `path` (which may be a mounted volume), as the
   * engine's root: modes and owners in the tar headers are applied, existing directories merged.
   */
  putArchive(id: string, path: string, tar: Buffer): Promise<void>;
  /** Creates (or re-tags) image `ref` from a tar of a root filesystem, as `docker import`. */
  importImage(rootfsTar: Buffer, ref: string): Promise<void>;
  /** Creates a container and returns its id. */
  create(spec: ContainerCreateSpec): Promise<string>;
  start(id: string): Promise<void>;
  stop(id: string, graceSeconds: number): Promise<void>;
  remove(id: string): Promise<void>;
  logs(id: string, opts: LogOptions): Promise<Readable>;
  info(): Promise<EngineInfo>;
  events(labels: Record<string, string>, handler: (e: RuntimeEvent) => void): Disposable;
  exec(id: string, opts: ExecOptions): Promise<ExecProcess>;
  /** One usage sample of a running container; `undefined` when it is missing or not running. */
  stats(id: string): Promise<ContainerStats | undefined>;
  attach(id: string, opts: AttachOptions): Promise<ExecProcess>;
}

/** `true` when a container is no longer running and will not run again by itself. */
export function isTerminated(c: ContainerDetails): boolean {
  return c.state === 'exited' || c.state === 'dead' || (c.state === 'created' && !!c.error);
}
