import { PassThrough, type Duplex } from 'node:stream';
import type { ShellProcess } from '../../client/hostShells.js';
import type { ExecResult } from '../detect.js';
import type { HostSession, SshConnectOptions } from '../ssh.js';
import type { ConnectTarget } from '../sshErrors.js';

/** One thing a step asked of a host over SSH. */
export type FakeRequest = { kind: 'exec'; command: string } | { kind: 'writeFile'; path: string } | { kind: 'forwardIn'; port: number } | { kind: 'forwardOut'; port: number };

/**
 * How a fake host answers a request: with a result (`exec`), with nothing (the others), or `'hang'`:
 * never, not even when the connection closes, as a host cut off mid-request leaves an await that
 * only a timeout can end.
 */
export type FakeAnswer = (req: FakeRequest, session: FakeSession) => Promise<ExecResult | undefined> | ExecResult | undefined | 'hang';

/**
 * A stand-in for SSH in unit tests: `connect` is an `SshConnector` that opens a {@link FakeSession}
 * on every call (`sessions`, in order); `answer` decides what each request gets.
 */
export class FakeSshHosts {
  readonly sessions: FakeSession[] = [];

  constructor(private readonly answer: FakeAnswer) {}

  readonly connect = async (o: SshConnectOptions): Promise<HostSession> => {
    const s = new FakeSession({ address: o.address, port: o.port, user: o.user }, this.answer);
    this.sessions.push(s);
    return s;
  };

  /** Requests that will never be answered, across sessions. */
  hanging(): FakeRequest[] {
    return this.sessions.flatMap((s) => s.hanging);
  }
}

export class FakeSession implements HostSession {
  readonly fingerprint = 'SHA256:fake-host-key';
  readonly closed: Promise<Error | undefined>;
  readonly requests: FakeRequest[] = [];
  readonly hanging: FakeRequest[] = [];
  /** How the session ended: `close` (polite), `destroy` (dropped by us), `drop` (by the network). */
  endedBy?: 'close' | 'destroy' | 'drop';
  private resolveClosed!: (e: Error | undefined) => void;

  constructor(
    readonly target: ConnectTarget,
    private readonly answer: FakeAnswer,
  ) {
    this.closed = new Promise((r) => (this.resolveClosed = r));
  }

  get isOpen(): boolean {
    return this.endedBy === undefined;
  }

  private async request(req: FakeRequest): Promise<ExecResult | undefined> {
    if (!this.isOpen) throw new Error(`the SSH connection to ${this.target.address} is closed`);
    this.requests.push(req);
    const a = this.answer(req, this);
    if (a === 'hang') {
      this.hanging.push(req);
      return new Promise<never>(() => {});
    }
    return a;
  }

  async exec(command: string): Promise<ExecResult> {
    return (await this.request({ kind: 'exec', command })) ?? { code: 0, stdout: '', stderr: '' };
  }

  async ping(): Promise<boolean> {
    return this.isOpen;
  }

  async writeFile(path: string): Promise<void> {
    await this.request({ kind: 'writeFile', path });
  }

  async forwardIn(port: number): Promise<void> {
    await this.request({ kind: 'forwardIn', port });
  }

  async forwardOut(port: number): Promise<Duplex> {
    await this.request({ kind: 'forwardOut', port });
    return new PassThrough();
  }

  shell(): Promise<ShellProcess> {
    return Promise.reject(new Error('no shells on a fake host'));
  }

  close(): void {
    this.end('close');
  }

  destroy(): void {
    this.end('destroy');
  }

  /** The network ends the connection under the session (a reset, keepalives giving up). */
  drop(err?: Error): void {
    this.end('drop', err);
  }

  private end(by: 'close' | 'destroy' | 'drop', err?: Error): void {
    if (this.endedBy) return;
    this.endedBy = by;
    this.resolveClosed(err);
  }
}
