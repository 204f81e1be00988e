import type { Disposable } from '../../util/disposable.js';
import Docker from 'dockerode';
import { PassThrough, Readable } from 'node:stream';
import { systemClock, type Clock } from '../../util/clock.js';
import { silentLogger, type Logger } from '../../util/logger.js';
import { dockerAttach, dockerExec } from './dockerExec.js';
import { DockerLogDemuxer } from './logStream.js';
import type {
  AttachOptions,
  ContainerCreateSpec,
  ContainerDetails,
  ContainerStats,
  ContainerSummary,
  EngineInfo,
  ExecOptions,
  ExecProcess,
  ImageInfo,
  LogOptions,
  MountSpec,
  RegistryAuth,
  VolumeSpec,
  VolumeSummary,
  PullProgress,
  Runtime,
  RuntimeEvent,
  RuntimeState,
} from './types.js';

export interface DockerRuntimeOptions {
  /** Default `/var/run/docker.sock`. */
  socketPath?: string;
  clock?: Clock;
  log?: Logger;
}

/** The `Runtime` over a Docker engine's API (dockerode on its unix socket). */
export class DockerRuntime implements Runtime {
  readonly docker: Docker;
  private readonly clock: Clock;
  private readonly log: Logger;

  constructor(opts: DockerRuntimeOptions = {}) {
    this.docker = new Docker({ socketPath: opts.socketPath ?? '/var/run/docker.sock' });
    this.clock = opts.clock ?? systemClock;
    this.log = opts.log ?? silentLogger;
  }

  async list(labels: Record<string, string>): Promise<ContainerSummary[]> {
    const label = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
    const items = await this.docker.listContainers({ all: true, filters: { label } });
    return items.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      image: c.Image,
      labels: c.Labels ?? {},
      state: c.State as RuntimeState,
      createdAt: c.Created * 1000,
    }));
  }

  async inspect(id: string): Promise<ContainerDetails | undefined> {
    let c: Docker.ContainerInspectInfo;
    try {
      c = await this.docker.getContainer(id).inspect();
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
    const nets = Object.values(c.NetworkSettings?.Networks ?? {});
    const ip = nets.map((n) => n.IPAddress).find((a) => !!a);
    return {
      id: c.Id,
      name: c.Name.replace(/^\//, ''),
      image: c.Config.Image,
      labels: c.Config.Labels ?? {},
      state: c.State.Status as RuntimeState,
      createdAt: parseTime(c.Created) ?? 0,
      imageId: c.Image,
      running: c.State.Running,
      exitCode: c.State.ExitCode,
      ...(c.State.Error ? { error: c.State.Error } : {}),
      oomKilled: c.State.OOMKilled,
      ...optional('startedAt', parseTime(c.State.StartedAt)),
      ...optional('finishedAt', parseTime(c.State.FinishedAt)),
      ...optional('ip', c.State.Running ? ip : undefined),
      networkMode: c.HostConfig.NetworkMode ?? 'default',
    };
  }

  async pull(image: string, onProgress?: (p: PullProgress) => void, auth?: RegistryAuth): Promise<void> {
    const ref = normalizeImageRef(image);
    const stream = await this.docker.pull(ref, auth ? { authconfig: auth } : {});
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : resolve()),
        (ev: { status?: string; id?: string; progress?: string; progressDetail?: { current?: number; total?: number }; error?: string }) => {
          if (ev.status) {
            onProgress?.({
              status: ev.status,
              ...optional('id', ev.id),
              ...optional('progress', ev.progress),
              ...optional('current', ev.progressDetail?.current),
              ...optional('total', ev.progressDetail?.total),
            });
          }
        },
      );
    });
  }

  async imageId(image: string): Promise<string | undefined> {
    try {
      return (await this.docker.getImage(normalizeImageRef(image)).inspect()).Id;
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  async imageInfo(image: string): Promise<ImageInfo | undefined> {
    try {
      const i = await this.docker.getImage(normalizeImageRef(image)).inspect();
      return { id: i.Id, sizeBytes: i.Size, user: i.Config?.User ?? '' };
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  async createVolume(spec: VolumeSpec): Promise<void> {
    const opts: Record<string, string> = {};
    if (spec.tmpfs) {
      const t = spec.tmpfs;
      const o = [
        ...(t.sizeBytes ? [`size=${t.sizeBytes}`] : []),
        ...(t.mode !== undefined ? [`mode=${t.mode.toString(8).padStart(4, '0')}`] : []),
        ...(t.uid !== undefined ? [`uid=${t.uid}`] : []),
        ...(t.gid !== undefined ? [`gid=${t.gid}`] : []),
      ];
      Object.assign(opts, { type: 'tmpfs', device: 'tmpfs', ...(o.length ? { o: o.join(',') } : {}) });
    }
    if (spec.nfs) {
      const n = spec.nfs;
      if ([n.server, n.path, ...(n.options ?? [])].some((x) => x.includes(',')) || !n.path.startsWith('/')) throw new Error(`invalid NFS volume ${n.server}:${n.path}`);
      Object.assign(opts, { type: 'nfs', device: `:${n.path}`, o: [`addr=${n.server}`, ...(n.readOnly ? ['ro'] : []), ...(n.options ?? [])].join(',') });
    }
    // Creating an existing volume returns it unchanged (the engine's own idempotence).
    await this.docker.createVolume({ Name: spec.name, Driver: 'local', Labels: spec.labels, DriverOpts: opts });
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.docker.getVolume(name).remove();
    } catch (e) {
      if (statusOf(e) === 404) return;
      throw e;
    }
  }

  async volumeUsage(names: readonly string[]): Promise<Map<string, number>> {
    // `type=volume` (API 1.42+) spares newer engines the images and containers; older ones ignore it.
    type Df = { Volumes?: { Name: string; UsageData?: { Size?: number } | null }[] | null };
    const df = await new Promise<Df>((resolve, reject) =>
      this.docker.modem.dial({ path: '/system/df?', method: 'GET', options: { type: ['volume'] }, statusCodes: { 200: true, 500: 'server error' } }, (err: unknown, data: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(data as Df))),
    );
    const wanted = new Set(names);
    const out = new Map<string, number>();
    for (const v of df.Volumes ?? []) if (wanted.has(v.Name) && (v.UsageData?.Size ?? -1) >= 0) out.set(v.Name, v.UsageData?.Size ?? 0);
    return out;
  }

  async listVolumes(labels: Record<string, string>): Promise<VolumeSummary[]> {
    const label = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
    const res = (await this.docker.listVolumes({ filters: { label } })) as { Volumes?: { Name: string; Labels?: Record<string, string> | null }[] | null };
    return (res.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {} }));
  }

  async putArchive(id: string, path: string, tar: Buffer): Promise<void> {
    await this.docker.getContainer(id).putArchive(tar, { path });
  }

  async importImage(rootfsTar: Buffer, ref: string): Promise<void> {
    const full = normalizeImageRef(ref);
    const at = full.lastIndexOf(':');
    const stream = await this.docker.importImage(Readable.from([rootfsTar]), { repo: full.slice(0, at), tag: full.slice(at + 1) });
    await new Promise<void>((resolve, reject) => {
      this.docker.modem.followProgress(stream, (err: Error | null) => (err ? reject(err) : resolve()));
    });
  }

  async create(spec: ContainerCreateSpec): Promise<string> {
    const joined = spec.networkMode?.startsWith('container:') ?? false;
    const { mounts, binds } = await this.dockerMounts(spec.mounts ?? []);
    const opts: Docker.ContainerCreateOptions = {
      name: spec.name,
      Image: normalizeImageRef(spec.image),
      Labels: spec.labels,
      Env: spec.env ?? [],
      Tty: spec.tty ?? false,
      OpenStdin: spec.stdin ?? false,
      StdinOnce: (spec.stdin && spec.stdinOnce) ?? false,
      AttachStdin: spec.stdin ?? false,
      HostConfig: {
        RestartPolicy: { Name: 'no' },
        ...(spec.networkMode ? { NetworkMode: spec.networkMode } : {}),
        ...(spec.nanoCpus ? { NanoCpus: spec.nanoCpus } : {}),
        ...(spec.memoryBytes ? { Memory: spec.memoryBytes } : {}),
        ...(spec.memoryReservationBytes ? { MemoryReservation: spec.memoryReservationBytes } : {}),
        ...(spec.cpuShares ? { CpuShares: spec.cpuShares } : {}),
        ...(mounts.length ? { Mounts: mounts } : {}),
        ...(binds.length ? { Binds: binds } : {}),
        ...(spec.groupAdd?.length ? { GroupAdd: spec.groupAdd } : {}),
        ...(spec.capAdd?.length ? { CapAdd: spec.capAdd } : {}),
        ...(spec.capDrop?.length ? { CapDrop: spec.capDrop } : {}),
        ...(spec.privileged ? { Privileged: true } : {}),
        ...(spec.readonlyRootfs ? { ReadonlyRootfs: true } : {}),
        ...(spec.securityOpt?.length ? { SecurityOpt: spec.securityOpt } : {}),
        ...(spec.sysctls && Object.keys(spec.sysctls).length ? { Sysctls: spec.sysctls } : {}),
        ...(spec.pidMode ? { PidMode: spec.pidMode } : {}),
        ...(spec.ipcMode ? { IpcMode: spec.ipcMode } : {}),
        ...(spec.maskedPaths ? { MaskedPaths: spec.maskedPaths } : {}),
        ...(spec.readonlyPaths ? { ReadonlyPaths: spec.readonlyPaths } : {}),
        ...(spec.portBindings?.length ? { PortBindings: portBindings(spec.portBindings) } : {}),
      },
    };
    if (spec.user) opts.User = spec.user;
    if (spec.entrypoint) opts.Entrypoint = spec.entrypoint;
    if (spec.cmd) opts.Cmd = spec.cmd;
    if (spec.workingDir) opts.WorkingDir = spec.workingDir;
    // Docker refuses a hostname or exposed ports on a container that joins another's network.
    if (!joined && spec.hostname) opts.Hostname = spec.hostname;
    if (!joined && spec.exposedPorts?.length) {
      opts.ExposedPorts = Object.fromEntries(spec.exposedPorts.map((p) => [`${p.port}/${p.protocol}`, {}]));
    }
    const c = await this.docker.createContainer(opts);
    return c.id;
  }

  /**
   * Docker's form of each mount. A bind whose host directory the engine should create goes to the
   * legacy `Binds` (the Mounts API refuses a missing source). A volume subPath uses the engine's own
   * `Subpath` from API 1.45 (Docker 26), which opens the path safely; older engines bind the path
   * under the volume's mountpoint (the agent made it a real directory first: see volumes/).
   */
  private async dockerMounts(list: MountSpec[]): Promise<{ mounts: Docker.MountSettings[]; binds: string[] }> {
    const mounts: Docker.MountSettings[] = [];
    const binds: string[] = [];
    for (const m of list) {
      if (m.type === 'bind') {
        if (m.createHostDir && !m.source.includes(':') && !m.target.includes(':') && !m.source.includes(',')) {
          binds.push(`${m.source}:${m.target}:${[m.readOnly ? 'ro' : 'rw', ...(m.propagation ? [m.propagation] : [])].join(',')}`);
          continue;
        }
        mounts.push({ Type: 'bind', Source: m.source, Target: m.target, ReadOnly: !!m.readOnly, ...(m.propagation ? { BindOptions: { Propagation: m.propagation } } : {}) });
        continue;
      }
      if (!m.subPath) {
        mounts.push({ Type: 'volume', Source: m.source, Target: m.target, ReadOnly: !!m.readOnly, VolumeOptions: volumeOptions() });
      } else if (await this.apiAtLeast(1, 45)) {
        mounts.push({ Type: 'volume', Source: m.source, Target: m.target, ReadOnly: !!m.readOnly, VolumeOptions: volumeOptions(m.subPath) });
      } else {
        const v = (await this.docker.getVolume(m.source).inspect()) as { Mountpoint: string };
        mounts.push({ Type: 'bind', Source: `${v.Mountpoint}/${m.subPath}`, Target: m.target, ReadOnly: !!m.readOnly });
      }
    }
    return { mounts, binds };
  }

  private apiVersion?: Promise<number[]>;

  private async apiAtLeast(major: number, minor: number): Promise<boolean> {
    this.apiVersion ??= this.docker.version().then(
      (v) => (v.ApiVersion ?? '1.0').split('.').map(Number),
      () => [1, 0],
    );
    const [ma = 1, mi = 0] = await this.apiVersion;
    return ma > major || (ma === major && mi >= minor);
  }

  async start(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).start();
    } catch (e) {
      if (statusOf(e) === 304) return; // already running
      throw e;
    }
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    try {
      await this.docker.getContainer(id).stop({ t: Math.max(0, Math.round(graceSeconds)) });
    } catch (e) {
      const code = statusOf(e);
      if (code === 304 || code === 404) return;
      throw e;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.docker.getContainer(id).remove({ force: true, v: true });
    } catch (e) {
      const code = statusOf(e);
      // 409: a removal is already in progress.
      if (code === 404 || code === 409) return;
      throw e;
    }
  }

  async logs(id: string, opts: LogOptions): Promise<Readable> {
    const c = this.docker.getContainer(id);
    const tty = (await c.inspect()).Config.Tty;
    const base = {
      stdout: true,
      stderr: true,
      timestamps: opts.timestamps ?? false,
      ...(opts.tail !== undefined ? { tail: opts.tail } : {}),
      // The engine reads `seconds.fraction`; a float's own text could be `1e-7` or lose digits.
      ...(opts.since !== undefined ? { since: engineSince(opts.since) as unknown as number } : {}),
    };
    const raw: Readable = opts.follow
      ? ((await c.logs({ ...base, follow: true })) as Readable)
      : Readable.from([await c.logs({ ...base, follow: false })]);
    const out = tty ? new PassThrough() : new DockerLogDemuxer();
    raw.on('error', (e) => out.destroy(e));
    out.on('close', () => raw.destroy());
    return raw.pipe(out);
  }

  async info(): Promise<EngineInfo> {
    const i = (await this.docker.info()) as Record<string, unknown>;
    return {
      ncpu: Number(i.NCPU ?? 0),
      memTotalBytes: Number(i.MemTotal ?? 0),
      operatingSystem: String(i.OperatingSystem ?? ''),
      osType: String(i.OSType ?? 'linux'),
      architecture: String(i.Architecture ?? ''),
      kernelVersion: String(i.KernelVersion ?? ''),
      serverVersion: String(i.ServerVersion ?? ''),
      hostname: String(i.Name ?? ''),
    };
  }

  async stats(id: string): Promise<ContainerStats | undefined> {
    let raw: unknown;
    try {
      // one-shot (API 1.41+): answer at once instead of waiting a second for a "previous" sample.
      raw = await this.docker.getContainer(id).stats({ stream: false, 'one-shot': true } as { stream: false });
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
    return parseDockerStats(raw, this.clock.now());
  }

  exec(id: string, opts: ExecOptions): Promise<ExecProcess> {
    return dockerExec(this.docker, this.clock, id, opts);
  }

  attach(id: string, opts: AttachOptions): Promise<ExecProcess> {
    return dockerAttach(this.docker, id, opts);
  }

  events(labels: Record<string, string>, handler: (e: RuntimeEvent) => void): Disposable {
    let disposed = false;
    let stream: Readable | undefined;
    let cancelRetry: (() => void) | undefined;
    let failures = 0;
    const label = Object.entries(labels).map(([k, v]) => `${k}=${v}`);
    const connect = async () => {
      if (disposed) return;
      try {
        const s = (await this.docker.getEvents({ filters: { type: ['container'], label } })) as Readable;
        if (disposed) return void s.destroy();
        stream = s;
        failures = 0;
        let buf = '';
        s.on('data', (chunk: Buffer) => {
          buf += chunk.toString('utf8');
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (line) deliver(line);
          }
        });
        s.on('close', () => reconnect('closed'));
        s.on('error', (e) => reconnect(e.message));
      } catch (e) {
        reconnect(e instanceof Error ? e.message : String(e));
      }
    };
    const deliver = (line: string) => {
      try {
        const ev = JSON.parse(line) as { Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
        if (!ev.Action || !ev.Actor?.ID) return;
        const attrs = ev.Actor.Attributes ?? {};
        // The engine filters too; checking again keeps the contract whatever its filter semantics.
        if (!Object.entries(labels).every(([k, v]) => attrs[k] === v)) return;
        handler({ action: ev.Action, containerId: ev.Actor.ID, labels: attrs });
      } catch (e) {
        this.log.debug('bad docker event', { error: e instanceof Error ? e.message : String(e) });
      }
    };
    const reconnect = (why: string) => {
      if (disposed || cancelRetry) return;
      stream = undefined;
      failures++;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(failures, 6));
      this.log.debug('docker event stream lost; reconnecting', { why, delay });
      cancelRetry = this.clock.setTimeout(() => {
        cancelRetry = undefined;
        void connect();
      }, delay);
    };
    void connect();
    return {
      dispose() {
        disposed = true;
        cancelRetry?.();
        stream?.destroy();
      },
    };
  }
}

/** Never copy the image's files into a new volume: an emptyDir starts empty, as on Kubernetes. */
function volumeOptions(subPath?: string): Docker.MountSettings['VolumeOptions'] {
  // dockerode's type wants Labels and DriverConfig, which the engine treats as optional.
  return { NoCopy: true, ...(subPath ? { Subpath: subPath } : {}) } as Docker.MountSettings['VolumeOptions'];
}

function portBindings(list: NonNullable<ContainerCreateSpec['portBindings']>): Record<string, { HostIp: string; HostPort: string }[]> {
  const out: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const b of list) (out[`${b.containerPort}/${b.protocol}`] ??= []).push({ HostIp: b.hostIP ?? '', HostPort: String(b.hostPort) });
  return out;
}

/** `busybox` -> `busybox:latest`; tagged or digested references are kept. */
export function normalizeImageRef(image: string): string {
  if (image.includes('@')) return image;
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  return lastSegment.includes(':') ? image : `${image}:latest`;
}

/** Docker writes `0001-01-01T00:00:00Z` for "never". */
function parseTime(s: string | undefined): number | undefined {
  if (!s || s.startsWith('0001-')) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : t;
}

function statusOf(e: unknown): number | undefined {
  const code = (e as { statusCode?: unknown } | null)?.statusCode;
  return typeof code === 'number' ? code : undefined;
}

function optional<K extends string, V>(key: K, v: V | undefined): { [P in K]?: V } {
  return (v === undefined ? {} : { [key]: v }) as { [P in K]?: V };
}

/** Epoch seconds as the engine's `since` parameter: `<seconds>.<microseconds>`. */
export function engineSince(since: number): string {
  const whole = Math.floor(since);
  const micros = Math.min(999_999, Math.round((since - whole) * 1e6));
  return `${whole}.${String(micros).padStart(6, '0')}`;
}

/**
 * Docker's stats body to a sample. A stopped container answers zeros and no `read` time: undefined.
 * The working set is usage minus inactive file pages (`total_inactive_file` on cgroup v1,
 * `inactive_file` on v2), as cAdvisor computes it.
 */
export function parseDockerStats(raw: unknown, now: number): ContainerStats | undefined {
  if (!raw || typeof raw !== 'object') return undefined;
  const r = raw as { read?: unknown; cpu_stats?: { cpu_usage?: { total_usage?: unknown } }; memory_stats?: { usage?: unknown; stats?: Record<string, unknown> } };
  const cpu = Number(r.cpu_stats?.cpu_usage?.total_usage ?? NaN);
  const usage = Number(r.memory_stats?.usage ?? NaN);
  if (!Number.isFinite(cpu) || !Number.isFinite(usage)) return undefined;
  const st = r.memory_stats?.stats ?? {};
  const inactive = Number(st.total_inactive_file ?? st.inactive_file ?? 0) || 0;
  const read = typeof r.read === 'string' ? Date.parse(r.read) : NaN;
  return {
    timestamp: Number.isFinite(read) && read > 0 ? read : now,
    cpuUsageNanoSeconds: cpu,
    memoryWorkingSetBytes: Math.max(0, usage - (inactive < usage ? inactive : 0)),
  };
}
