import type { Disposable } from '../../util/disposable.js';
import { randomBytes } from 'node:crypto';
import { PassThrough, Readable, type Writable } from 'node:stream';
import { extract } from 'tar-stream';
import type { Clock } from '../../util/clock.js';
import { normalizeImageRef } from './docker.js';
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
  RegistryAuth,
  VolumeSpec,
  VolumeSummary,
  PullProgress,
  Runtime,
  RuntimeEvent,
} from './types.js';

interface FakeContainer {
  details: ContainerDetails;
  spec: ContainerCreateSpec;
  lines: { at: number; text: string }[];
  followers: Set<PassThrough>;
}

/** What a started container does at once: keep running (undefined), exit with a code, or fail to start. */
export type FakeBehavior = (spec: ContainerCreateSpec) => { exitCode: number } | { startError: string } | undefined;

/** What a fake exec sees: its options and stdio (with a TTY, `stderr` writes go to `stdout`). */
export interface FakeExecIO {
  containerId: string;
  opts: ExecOptions;
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  /** Every resize so far, in order. */
  resizes: { width: number; height: number }[];
}

/** The fake's "process": runs until it returns its exit code. */
export type FakeExecHandler = (io: FakeExecIO) => Promise<number> | number;

/** Default exec: echoes stdin to stdout until stdin ends (like `cat`), then exits 0. */
export const catExec: FakeExecHandler = async (io) => {
  if (io.opts.stdin) for await (const chunk of io.stdin) io.stdout.write(chunk as Buffer);
  return 0;
};

/**
 * An in-memory `Runtime` for unit tests, honouring the same contract as `DockerRuntime`. Tests
 * drive it: `crash(id)` simulates a process dying (or `docker kill`), `behavior` makes containers
 * exit or fail on start, `pullErrors` makes pulls fail, `down` makes every call reject.
 */
export class FakeRuntime implements Runtime {
  private readonly containers = new Map<string, FakeContainer>();
  private readonly images = new Map<string, ImageInfo>();
  /** Volumes by name. */
  readonly volumes = new Map<string, VolumeSpec>();
  /** Every `putArchive`: container, path and the tar's entries (name, mode, uid, gid). */
  readonly archives: { id: string; path: string; entries: { name: string; mode: number; uid: number; gid: number; type: string }[] }[] = [];
  /** Images a pull needs credentials for: the pull fails unless `auth` carries this user and password. */
  readonly privateImages = new Map<string, { username: string; password: string }>();
  /** The auth each pull was given, in order (undefined: none). */
  readonly pullAuths: (RegistryAuth | undefined)[] = [];
  /** Progress lines every pull reports, in order, before it waits for `pullGate`. */
  pullProgress: PullProgress[] = [];
  /** When set, pulls wait for it after reporting their progress (a pull still running). */
  pullGate: Promise<void> | undefined;
  private readonly subscribers = new Set<{ labels: Record<string, string>; handler: (e: RuntimeEvent) => void }>();
  private nextIp = 2;
  /** Images whose pull fails with this message. */
  readonly pullErrors = new Map<string, string>();
  /** Every pull, in order (normalized references). */
  readonly pulls: string[] = [];
  /** Every image import, in order (normalized references). */
  readonly imports: string[] = [];
  /** Every stop: container id and grace. */
  readonly stops: { id: string; graceSeconds: number }[] = [];
  behavior: FakeBehavior = () => undefined;
  /** What `exec` runs (default `catExec`). */
  execHandler: FakeExecHandler = catExec;
  /** Every exec started, in order. */
  readonly execs: { id: string; opts: ExecOptions; resizes: { width: number; height: number }[] }[] = [];
  /** Cumulative CPU and working set by container id, set by tests; `stats` reports zeros otherwise. */
  readonly usage = new Map<string, { cpuUsageNanoSeconds: number; memoryWorkingSetBytes: number }>();
  /** When true, every call rejects as if the engine were unreachable. */
  down = false;
  /** When false, no engine events are delivered (tests of the periodic resync). */
  eventsEnabled = true;
  engine: EngineInfo = {
    ncpu: 4,
    memTotalBytes: 8 * 1024 ** 3,
    operatingSystem: 'Fake OS 1.0',
    osType: 'linux',
    architecture: 'x86_64',
    kernelVersion: '6.1.0-fake',
    serverVersion: '27.0.0-fake',
    hostname: 'fake-host',
  };

  constructor(private readonly clock: Clock) {}

  addImage(image: string, opts: { user?: string; sizeBytes?: number } = {}): void {
    this.images.set(normalizeImageRef(image), { id: `sha256:${randomBytes(32).toString('hex')}`, sizeBytes: opts.sizeBytes ?? 1234567, user: opts.user ?? '' });
  }

  removeImage(image: string): void {
    this.images.delete(normalizeImageRef(image));
  }

  /** All containers, for assertions. */
  all(): ContainerDetails[] {
    return [...this.containers.values()].map((c) => structuredClone(c.details));
  }

  spec(id: string): ContainerCreateSpec | undefined {
    return this.containers.get(id)?.spec;
  }

  /** Ends a running container's process with `exitCode` (137 = killed). */
  crash(id: string, exitCode = 137): void {
    const c = this.must(id);
    if (!c.details.running) return;
    this.exit(c, exitCode);
  }

  /** How many followers (log streams, attaches) read a container's output now: a test writes once one is there. */
  followers(id: string): number {
    return this.must(id).followers.size;
  }

  /** Appends a line of output to a container's log. */
  write(id: string, text: string): void {
    const c = this.must(id);
    const line = { at: this.clock.now(), text: text.endsWith('\n') ? text : text + '\n' };
    c.lines.push(line);
    for (const f of c.followers) f.write(line.text);
  }

  async list(labels: Record<string, string>): Promise<ContainerSummary[]> {
    this.check();
    const out: ContainerSummary[] = [];
    for (const c of this.containers.values()) {
      if (Object.entries(labels).every(([k, v]) => c.details.labels[k] === v)) {
        const { id, name, image, labels: l, state, createdAt } = c.details;
        out.push({ id, name, image, labels: { ...l }, state, createdAt });
      }
    }
    return out;
  }

  async inspect(id: string): Promise<ContainerDetails | undefined> {
    this.check();
    const c = this.containers.get(id);
    return c && structuredClone(c.details);
  }

  async pull(image: string, onProgress?: (p: PullProgress) => void, auth?: RegistryAuth): Promise<void> {
    this.check();
    const ref = normalizeImageRef(image);
    this.pulls.push(ref);
    this.pullAuths.push(auth && structuredClone(auth));
    const err = this.pullErrors.get(ref) ?? this.pullErrors.get(image);
    if (err) throw new Error(err);
    const need = this.privateImages.get(ref);
    if (need) {
      const given = auth?.auth ? Buffer.from(auth.auth, 'base64').toString() : `${auth?.username ?? ''}:${auth?.password ?? ''}`;
      if (!auth) throw new Error(`Head "https://${ref.split('/')[0]}/v2/": no basic auth credentials`);
      if (given !== `${need.username}:${need.password}`) throw new Error(`Head "https://${ref.split('/')[0]}/v2/": unauthorized: authentication required`);
    }
    onProgress?.({ status: `Pulling from ${ref}` });
    for (const p of this.pullProgress) onProgress?.(p);
    if (this.pullGate) await this.pullGate;
    if (!this.images.has(ref)) this.addImage(ref);
  }

  async imageId(image: string): Promise<string | undefined> {
    this.check();
    return this.images.get(normalizeImageRef(image))?.id;
  }

  async imageInfo(image: string): Promise<ImageInfo | undefined> {
    this.check();
    const i = this.images.get(normalizeImageRef(image));
    return i && { ...i };
  }

  async createVolume(spec: VolumeSpec): Promise<void> {
    this.check();
    if (!this.volumes.has(spec.name)) this.volumes.set(spec.name, structuredClone(spec));
  }

  async removeVolume(name: string): Promise<void> {
    this.check();
    for (const c of this.containers.values()) {
      if (c.spec.mounts?.some((m) => m.type === 'volume' && m.source === name)) throw new Error(`remove ${name}: volume is in use - [${c.details.id}]`);
    }
    this.volumes.delete(name);
  }

  /** Bytes "stored" per volume, as a test sets them (default 0). */
  readonly volumeBytes = new Map<string, number>();

  async volumeUsage(names: readonly string[]): Promise<Map<string, number>> {
    this.check();
    return new Map(names.filter((n) => this.volumes.has(n)).map((n) => [n, this.volumeBytes.get(n) ?? 0]));
  }

  async listVolumes(labels: Record<string, string>): Promise<VolumeSummary[]> {
    this.check();
    return [...this.volumes.values()].filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).map((v) => ({ name: v.name, labels: { ...v.labels } }));
  }

  async putArchive(id: string, path: string, tar: Buffer): Promise<void> {
    this.check();
    this.must(id);
    this.archives.push({ id, path, entries: await tarEntries(tar) });
  }

  async importImage(rootfsTar: Buffer, ref: string): Promise<void> {
    this.check();
    if (rootfsTar.length === 0) throw new Error('empty tar');
    this.imports.push(normalizeImageRef(ref));
    this.addImage(ref);
  }

  async create(spec: ContainerCreateSpec): Promise<string> {
    this.check();
    const imageId = this.images.get(normalizeImageRef(spec.image))?.id;
    if (!imageId) throw new Error(`No such image: ${spec.image}`);
    for (const m of spec.mounts ?? []) {
      if (m.type === 'volume' && !this.volumes.has(m.source)) throw new Error(`create ${spec.name}: volume ${m.source} not found`);
    }
    for (const c of this.containers.values()) {
      if (c.details.name === spec.name) throw new Error(`Conflict. The container name "/${spec.name}" is already in use`);
    }
    if (spec.networkMode?.startsWith('container:')) {
      const owner = this.containers.get(spec.networkMode.slice('container:'.length));
      if (!owner) throw new Error(`No such container: ${spec.networkMode}`);
    }
    const id = randomBytes(32).toString('hex');
    const details: ContainerDetails = {
      id,
      name: spec.name,
      image: spec.image,
      labels: { ...spec.labels },
      state: 'created',
      createdAt: this.clock.now(),
      imageId,
      running: false,
      exitCode: 0,
      oomKilled: false,
      networkMode: spec.networkMode ?? 'default',
    };
    this.containers.set(id, { details, spec: structuredClone(spec), lines: [], followers: new Set() });
    this.emit('create', details);
    return id;
  }

  async start(id: string): Promise<void> {
    this.check();
    const c = this.must(id);
    if (c.details.running) return;
    const mode = c.spec.networkMode;
    if (mode?.startsWith('container:') && !this.containers.get(mode.slice(10))?.details.running) {
      throw new Error('cannot join network of a non running container');
    }
    const b = this.behavior(c.spec);
    if (b && 'startError' in b) {
      Object.assign(c.details, { state: 'created', error: b.startError, exitCode: 128 });
      throw new Error(b.startError);
    }
    delete c.details.error;
    Object.assign(c.details, { state: 'running', running: true, exitCode: 0, startedAt: this.clock.now() });
    delete c.details.finishedAt;
    if (!mode?.startsWith('container:')) c.details.ip = c.details.ip ?? `10.88.0.${this.nextIp++}`;
    this.emit('start', c.details);
    if (b && 'exitCode' in b) this.exit(c, b.exitCode);
  }

  async stop(id: string, graceSeconds: number): Promise<void> {
    this.check();
    const c = this.containers.get(id);
    this.stops.push({ id, graceSeconds });
    if (!c?.details.running) return;
    this.exit(c, graceSeconds === 0 ? 137 : 143);
  }

  async remove(id: string): Promise<void> {
    this.check();
    const c = this.containers.get(id);
    if (!c) return;
    if (c.details.running) this.exit(c, 137);
    this.containers.delete(id);
    this.emit('destroy', c.details);
  }

  async logs(id: string, opts: LogOptions): Promise<Readable> {
    this.check();
    const c = this.must(id);
    const out = new PassThrough();
    let lines = c.lines.filter((l) => opts.since === undefined || l.at >= opts.since * 1000);
    if (opts.tail !== undefined) lines = opts.tail === 0 ? [] : lines.slice(-opts.tail);
    for (const l of lines) out.write(opts.timestamps ? `${new Date(l.at).toISOString()} ${l.text}` : l.text);
    if (opts.follow && c.details.running) {
      c.followers.add(out);
      out.on('close', () => c.followers.delete(out));
    } else {
      out.end();
    }
    return out;
  }

  async info(): Promise<EngineInfo> {
    this.check();
    return { ...this.engine };
  }

  events(labels: Record<string, string>, handler: (e: RuntimeEvent) => void): Disposable {
    const sub = { labels, handler };
    this.subscribers.add(sub);
    return { dispose: () => this.subscribers.delete(sub) };
  }

  async stats(id: string): Promise<ContainerStats | undefined> {
    this.check();
    const c = this.containers.get(id);
    if (!c?.details.running) return undefined;
    const u = this.usage.get(id) ?? { cpuUsageNanoSeconds: 0, memoryWorkingSetBytes: 0 };
    return { timestamp: this.clock.now(), ...u };
  }

  async exec(id: string, opts: ExecOptions): Promise<ExecProcess> {
    this.check();
    const c = this.must(id);
    if (!c.details.running) throw new Error(`container ${id.slice(0, 12)} is not running`);
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = opts.tty ? stdout : new PassThrough();
    const record = { id, opts: structuredClone(opts), resizes: [] as { width: number; height: number }[] };
    this.execs.push(record);
    if (!opts.stdin) stdin.end();
    const exited = Promise.resolve()
      .then(() => this.execHandler({ containerId: id, opts, stdin, stdout, stderr, resizes: record.resizes }))
      .finally(() => {
        stdout.end();
        stderr.end();
      });
    const drained = (s: PassThrough) => new Promise<void>((r) => (s.readableEnded ? r() : s.on('end', r).on('close', r)));
    return {
      ...(opts.stdin ? { stdin } : {}),
      ...(opts.stdout ? { stdout } : {}),
      ...(opts.stderr && !opts.tty ? { stderr } : {}),
      resize: async (width, height) => {
        if (opts.tty) record.resizes.push({ width, height });
      },
      wait: async () => {
        const code = await exited;
        if (opts.stdout) await drained(stdout);
        if (opts.stderr && !opts.tty) await drained(stderr);
        return code;
      },
      close: () => {
        stdin.end();
        stdout.end();
        stderr.end();
      },
    };
  }

  /** Joins the main process: output written with `write(id, ...)` from now on, until the container exits. */
  async attach(id: string, opts: AttachOptions): Promise<ExecProcess> {
    this.check();
    const c = this.must(id);
    if (!c.details.running) throw new Error(`container ${id.slice(0, 12)} is not running`);
    const out = new PassThrough();
    c.followers.add(out);
    out.on('close', () => c.followers.delete(out));
    const ended = new Promise<void>((r) => out.on('end', r).on('close', r));
    if (!opts.stdout) out.resume();
    return {
      ...(opts.stdout ? { stdout: out } : {}),
      resize: async () => undefined,
      wait: async () => {
        await ended;
        return c.details.exitCode;
      },
      close: () => void out.end(),
    };
  }

  private exit(c: FakeContainer, exitCode: number): void {
    Object.assign(c.details, { state: 'exited', running: false, exitCode, finishedAt: this.clock.now() });
    delete c.details.ip;
    for (const f of c.followers) f.end();
    c.followers.clear();
    this.emit('die', c.details);
  }

  private emit(action: string, d: ContainerDetails): void {
    if (!this.eventsEnabled) return;
    for (const s of this.subscribers) {
      if (Object.entries(s.labels).every(([k, v]) => d.labels[k] === v)) {
        s.handler({ action, containerId: d.id, labels: { ...d.labels } });
      }
    }
  }

  private must(id: string): FakeContainer {
    const c = this.containers.get(id);
    if (!c) throw new Error(`No such container: ${id}`);
    return c;
  }

  private check(): void {
    if (this.down) throw new Error('Cannot connect to the Docker daemon (fake engine is down)');
  }
}

/** The headers of a tar (the fake records what a real engine would apply). */
async function tarEntries(tar: Buffer): Promise<{ name: string; mode: number; uid: number; gid: number; type: string }[]> {
  const out: { name: string; mode: number; uid: number; gid: number; type: string }[] = [];
  const ex = extract();
  const done = new Promise<void>((resolve, reject) => {
    ex.on('entry', (h, stream, next) => {
      out.push({ name: h.name, mode: h.mode ?? 0, uid: h.uid ?? 0, gid: h.gid ?? 0, type: h.type ?? 'file' });
      stream.on('end', next);
      stream.resume();
    });
    ex.on('finish', resolve);
    ex.on('error', reject);
  });
  Readable.from([tar]).pipe(ex);
  await done;
  return out;
}
