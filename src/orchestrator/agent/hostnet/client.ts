import { connect, type Socket } from 'node:net';
import type { Clock } from '../../util/clock.js';
import type { Method, Response } from './server.js';
import type { ApplyResult, CleanupResult, HeldPort, HostCheck, HostNet, HostNetDesired, PortsResult } from './types.js';

/**
 * The agent's end of the component's socket (see server.ts): the `HostNet` interface over it.
 * Connects on first use and again after the connection drops (the component restarted); a call
 * in flight when it drops fails with a message saying so, and the caller's next sync retries.
 */
export class HostNetClient implements HostNet {
  private socket?: Socket;
  private connecting?: Promise<Socket>;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; cancel(): void }>();

  constructor(
    private readonly socketPath: string,
    private readonly clock: Clock,
    private readonly timeoutMs = 120_000,
  ) {}

  apply(d: HostNetDesired): Promise<ApplyResult> {
    return this.call('apply', d) as Promise<ApplyResult>;
  }

  holdPorts(node: string, ports: HeldPort[]): Promise<PortsResult> {
    return this.call('holdPorts', { node, ports }) as Promise<PortsResult>;
  }

  cleanup(node: string): Promise<CleanupResult> {
    return this.call('cleanup', { node }) as Promise<CleanupResult>;
  }

  check(): Promise<HostCheck> {
    return this.call('check', {}) as Promise<HostCheck>;
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  private async call(method: Method, params: unknown): Promise<unknown> {
    const s = await this.connect();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const cancel = this.clock.setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`the host component did not answer ${method} within ${Math.round(this.timeoutMs / 1000)} s`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, cancel });
      s.write(`${JSON.stringify({ id, method, params })}\n`);
    });
  }

  private connect(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<Socket>((resolve, reject) => {
      const s = connect(this.socketPath);
      s.once('connect', () => {
        this.socket = s;
        this.connecting = undefined;
        resolve(s);
      });
      s.once('error', (e) => {
        this.connecting = undefined;
        reject(new Error(`cannot reach the host component at ${this.socketPath}: ${e.message}`));
      });
      let buf = '';
      s.on('data', (chunk: Buffer) => {
        buf += chunk.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          this.answer(line);
        }
      });
      s.on('close', () => {
        if (this.socket === s) this.socket = undefined;
        for (const [id, p] of this.pending) {
          p.cancel();
          p.reject(new Error('the connection to the host component closed before it answered'));
          this.pending.delete(id);
        }
      });
    });
    return this.connecting;
  }

  private answer(line: string): void {
    let r: Response;
    try {
      r = JSON.parse(line) as Response;
    } catch {
      return;
    }
    const p = this.pending.get(r.id);
    if (!p) return;
    this.pending.delete(r.id);
    p.cancel();
    if ('error' in r) p.reject(new Error(r.error));
    else p.resolve(r.result);
  }
}
