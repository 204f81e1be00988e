import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { RawData } from 'ws';
import type { Endpoints, KubeList, Pod, Service } from '../orchestrator/api/types.js';
import { systemClock, type Clock } from '../orchestrator/util/clock.js';
import type { Logger } from '../orchestrator/util/logger.js';
import { controllerUid, pickEndpoint, pickPod, type ResolvedTarget } from './forwardTarget.js';
import type { ApiTransport } from './inProcessApi.js';
import type { ForwardInfo, ForwardSpec, ForwardState } from './wire/portForwards.js';

export type { ForwardInfo, ForwardSpec, ForwardState } from './wire/portForwards.js';

/** How long one local connection keeps trying to reach a pod (replacements included) before it is closed. */
const CONNECT_PATIENCE_MS = 30_000;
const RETRY_MS = 1_000;
/** How often an idle forward checks that its target is still there. */
const PROBE_MS = 5_000;
/** Client bytes kept for a replay while no pod has answered yet (a request sent to a pod that died). */
const REPLAY_LIMIT = 256 * 1024;

const enc = encodeURIComponent;

/** Validates an untrusted request body into a spec, or says which field is wrong. */
export function parseForwardSpec(body: unknown): ForwardSpec | { field: string; message: string } {
  if (typeof body !== 'object' || body === null) return { field: '', message: 'expected a JSON object' };
  const b = body as Record<string, unknown>;
  const name = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
  if (b.kind !== 'pod' && b.kind !== 'service') return { field: 'kind', message: 'must be "pod" or "service"' };
  if (typeof b.namespace !== 'string' || !name.test(b.namespace)) return { field: 'namespace', message: 'must be a namespace name' };
  if (typeof b.name !== 'string' || !name.test(b.name) || b.name.length > 253) return { field: 'name', message: `must be a ${b.kind} name` };
  const port = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
  if (!port(b.port)) return { field: 'port', message: 'must be 1-65535' };
  if (b.localPort !== undefined && !(b.localPort === 0 || port(b.localPort))) return { field: 'localPort', message: 'must be 0 (any) or 1-65535' };
  return { kind: b.kind, namespace: b.namespace, name: b.name, port: b.port as number, ...(b.localPort !== undefined ? { localPort: b.localPort as number } : {}) };
}

/**
 * Port-forwards for the UI, which as a web page cannot listen itself: each forward listens on
 * 127.0.0.1 where the UI server runs and tunnels every accepted connection through the API's
 * `pods/portforward` WebSocket (`v4.channel.k8s.io`, one port). The target is resolved again for
 * each connection: a Service's first ready endpoint, or the pod (and, once it is replaced, the
 * running pod of the same controller). A connection whose pod went away before answering is
 * replayed to the next pod, for up to 30 s; meanwhile the forward says `reconnecting`.
 */
export class PortForwards {
  private readonly forwards = new Map<string, Forward>();

  constructor(
    private readonly api: ApiTransport,
    private readonly log: Logger,
    private readonly clock: Clock = systemClock,
  ) {}

  list(): ForwardInfo[] {
    return [...this.forwards.values()].map((f) => f.info());
  }

  async start(spec: ForwardSpec): Promise<ForwardInfo> {
    const f = new Forward(randomBytes(6).toString('hex'), spec, this.api, this.log, this.clock);
    await f.listen();
    this.forwards.set(f.id, f);
    return f.info();
  }

  stop(id: string): boolean {
    const f = this.forwards.get(id);
    if (!f) return false;
    this.forwards.delete(id);
    f.close();
    return true;
  }

  dispose(): void {
    for (const id of [...this.forwards.keys()]) this.stop(id);
  }
}

class Forward {
  private server?: Server;
  private localPort = 0;
  private state: ForwardState = 'listening';
  private message?: string;
  private pod?: string;
  private ownerUid?: string;
  private readonly sockets = new Set<Socket>();
  private served = 0;
  private cancelProbe?: () => void;
  private closed = false;

  constructor(
    readonly id: string,
    private readonly spec: ForwardSpec,
    private readonly api: ApiTransport,
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}

  info(): ForwardInfo {
    return {
      ...this.spec,
      id: this.id,
      localPort: this.localPort,
      url: `http://127.0.0.1:${this.localPort}`,
      state: this.state,
      ...(this.message ? { message: this.message } : {}),
      ...(this.pod ? { pod: this.pod } : {}),
      connections: this.sockets.size,
      served: this.served,
    };
  }

  async listen(): Promise<void> {
    // Resolve first: a forward to something that does not exist is refused with the reason.
    await this.resolve();
    const want = this.spec.localPort ?? (this.spec.port > 1023 ? this.spec.port : 0);
    try {
      await this.bind(want);
    } catch (e) {
      if (this.spec.localPort !== undefined || want === 0) throw e;
      await this.bind(0);
    }
    this.cancelProbe = this.clock.setInterval(() => void this.probe(), PROBE_MS);
  }

  private bind(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = createServer({ allowHalfOpen: true }, (s) => this.accept(s));
      server.once('error', (e: NodeJS.ErrnoException) => reject(new Error(e.code === 'EADDRINUSE' ? `127.0.0.1:${port} is already in use` : e.message)));
      server.listen(port, '127.0.0.1', () => {
        this.server = server;
        this.localPort = (server.address() as AddressInfo).port;
        server.on('error', (e) => this.setState('error', e.message));
        resolve();
      });
    });
  }

  close(): void {
    this.closed = true;
    this.cancelProbe?.();
    this.server?.close();
    for (const s of this.sockets) s.destroy();
  }

  private setState(state: ForwardState, message?: string): void {
    if (this.state === 'error' && state !== 'error' && !this.server?.listening) return;
    this.state = state;
    this.message = message;
  }

  private async probe(): Promise<void> {
    if (this.closed) return;
    try {
      await this.resolve();
      this.setState('listening');
    } catch (e) {
      this.setState('reconnecting', e instanceof Error ? e.message : String(e));
    }
  }

  /** The pod and port the next connection goes to; throws with the reason there is none. */
  private async resolve(): Promise<ResolvedTarget> {
    const { namespace: ns, name, port } = this.spec;
    if (this.spec.kind === 'service') {
      const svc = (await this.api.getJson(`/api/v1/namespaces/${enc(ns)}/services/${enc(name)}`)) as Service;
      const ep = (await this.api.getJson(`/api/v1/namespaces/${enc(ns)}/endpoints/${enc(name)}`).catch(() => undefined)) as Endpoints | undefined;
      const t = pickEndpoint(svc, ep, port);
      if ('reason' in t) throw new Error(t.reason);
      this.pod = t.pod;
      return t;
    }
    const named = (await this.api.getJson(`/api/v1/namespaces/${enc(ns)}/pods/${enc(name)}`).catch((e: unknown) => {
      if (e instanceof Error && 'code' in e && e.code === 404) return undefined;
      throw e;
    })) as Pod | undefined;
    if (named && !this.ownerUid) this.ownerUid = controllerUid(named);
    if (!named && !this.ownerUid) throw new Error(`pod ${name} not found`);
    let siblings: Pod[] = [];
    if (this.ownerUid && !(named && named.status?.phase === 'Running' && !named.metadata.deletionTimestamp)) {
      siblings = ((await this.api.getJson(`/api/v1/namespaces/${enc(ns)}/pods`)) as KubeList<Pod>).items;
    }
    const picked = pickPod(named, siblings, this.ownerUid);
    if (!picked.pod) throw new Error(picked.reason);
    this.pod = picked.pod.metadata.name;
    return { pod: picked.pod.metadata.name ?? name, port };
  }

  private accept(local: Socket): void {
    this.sockets.add(local);
    this.served++;
    local.on('close', () => this.sockets.delete(local));
    local.on('error', () => local.destroy());
    // A client that half-closes still gets the answer (allowHalfOpen on the server).
    const pending: Buffer[] = [];
    let pendingBytes = 0;
    let replayable = true;
    const keep = (c: Buffer) => {
      pendingBytes += c.length;
      if (pendingBytes > REPLAY_LIMIT) replayable = false;
      else pending.push(c);
    };
    local.on('data', keep);
    local.pause();
    const deadline = this.clock.now() + CONNECT_PATIENCE_MS;
    const attempt = async (): Promise<void> => {
      if (this.closed || local.destroyed) return;
      let why: string;
      try {
        const t = await this.resolve();
        const outcome = await this.tunnel(local, t, pending, () => {
          // The pod answered: what the client sent is delivered, nothing to replay any more.
          local.off('data', keep);
          replayable = false;
          pending.length = 0;
        });
        if (outcome === 'done') {
          this.setState('listening');
          return;
        }
        why = outcome.failed;
      } catch (e) {
        why = e instanceof Error ? e.message : String(e);
      }
      if (!replayable || this.clock.now() >= deadline || local.destroyed) {
        this.log.debug('port-forward connection failed', { forward: this.id, error: why });
        local.destroy();
        return;
      }
      this.setState('reconnecting', why);
      this.clock.setTimeout(() => void attempt(), RETRY_MS);
    };
    void attempt();
  }

  /**
   * One tunnel for one local connection. Resolves `done` when it ended after the pod answered (or
   * the client left), or `{failed}` when it broke before any pod byte came back (safe to replay).
   */
  private tunnel(local: Socket, t: ResolvedTarget, replay: readonly Buffer[], answered: () => void): Promise<'done' | { failed: string }> {
    return new Promise((resolve) => {
      const ws = this.api.webSocket(`/api/v1/namespaces/${enc(this.spec.namespace)}/pods/${enc(t.pod)}/portforward?ports=${t.port}`, ['v4.channel.k8s.io']);
      const seen = [false, false];
      let gotData = false;
      let error = '';
      let settled = false;
      const finish = (r: 'done' | { failed: string }) => {
        if (settled) return;
        settled = true;
        local.off('data', toPod);
        local.off('close', closeWs);
        // What the pod sent is flushed before the connection ends.
        if (r === 'done') local.end();
        resolve(r);
      };
      const toPod = (c: Buffer) => {
        if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([0]), c]));
      };
      const closeWs = () => {
        ws.close(1000);
        finish('done');
      };
      ws.on('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let msg = `HTTP ${res.statusCode}`;
          try {
            msg = (JSON.parse(Buffer.concat(chunks).toString()) as { message?: string }).message ?? msg;
          } catch {
            /* not a Status */
          }
          finish({ failed: msg });
        });
      });
      ws.on('open', () => {
        for (const c of replay) toPod(c);
        // The channel protocol cannot half-close: a client that ends its side waits for the pod to end.
        local.on('data', toPod);
        local.on('close', closeWs);
        local.resume();
      });
      ws.on('message', (raw: RawData) => {
        const m = Buffer.isBuffer(raw) ? raw : Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw);
        const ch = m[0];
        if (ch !== 0 && ch !== 1) return;
        // The first message on each channel is the port number, not data.
        if (!seen[ch]) {
          seen[ch] = true;
          return;
        }
        if (ch === 1) {
          error += m.subarray(1).toString();
          return;
        }
        if (!gotData) {
          gotData = true;
          answered();
        }
        if (!local.write(m.subarray(1))) {
          ws.pause();
          local.once('drain', () => ws.resume());
        }
      });
      ws.on('close', () => {
        if (gotData || local.destroyed) finish('done');
        else finish({ failed: error || `the tunnel to pod ${t.pod} closed before it answered` });
      });
      ws.on('error', (e) => {
        if (!gotData) finish({ failed: e.message });
      });
    });
  }
}
