import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { Client, type ClientChannel, type SFTPWrapper } from 'ssh2';
import type { ShellProcess } from '../client/hostShells.js';
import type { Clock } from '../util/clock.js';
import { installFileScript } from './agentFiles.js';
import type { ExecResult } from './detect.js';
import { fingerprint } from './fingerprint.js';
import { describeConnectError, HostKeyMismatchError, type ConnectTarget } from './sshErrors.js';

export interface SshConnectOptions extends ConnectTarget {
  privateKey?: Buffer;
  /** Decrypts `privateKey` when it is encrypted. */
  passphrase?: string;
  /** Path of an ssh-agent socket (SSH_AUTH_SOCK). */
  agentSocket?: string;
  /** The trusted host key. Another key is refused; undefined accepts the key (the caller pins it). */
  expectedFingerprint?: string;
  readyTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
}

/** Output kept per stream of a command: enough for any message, bounded for a chatty one. */
const MAX_OUTPUT = 256 * 1024;

/**
 * How long a host has to open a channel we ask for (a stream to its loopback, a shell, SFTP): a
 * host cut off without a word never answers, and its caller (`kubectl logs` through the node
 * dialer, the UI's host terminal) must hear so long before keepalives give up on the connection.
 */
export const CHANNEL_OPEN_MS = 15_000;

/**
 * What provisioning and the host controller use of one connection to a host: {@link SshSession},
 * or a stand-in in unit tests. `closed` settles once, when the connection ends for any reason;
 * after `close` or `destroy` the session is no longer open.
 */
export interface HostSession {
  /** `SHA256:…` of the key the host presented. */
  readonly fingerprint: string;
  readonly target: ConnectTarget;
  readonly closed: Promise<Error | undefined>;
  readonly isOpen: boolean;
  exec(command: string, opts?: { timeoutMs?: number }): Promise<ExecResult>;
  ping(timeoutMs: number): Promise<boolean>;
  writeFile(path: string, data: Buffer | string, mode: string): Promise<void>;
  forwardIn(port: number, onStream: (stream: Duplex) => void): Promise<void>;
  forwardOut(port: number): Promise<Duplex>;
  shell(size: { cols: number; rows: number }): Promise<ShellProcess>;
  /** Ends the connection politely (SSH disconnect, then TCP FIN). */
  close(): void;
  /** Drops the connection at once: for a host that stopped answering, where a polite end would wait on it. */
  destroy(): void;
}

/** How a session is opened: `SshSession.connect`, or a stand-in in unit tests. */
export type SshConnector = (o: SshConnectOptions, clock: Clock) => Promise<HostSession>;

/**
 * One SSH connection to a host (ssh2; never the ssh binary): commands, file upload over SFTP, a
 * reverse tunnel (`forwardIn`) and direct connections to the host's loopback (`forwardOut`).
 * `closed` settles once when the connection ends for any reason, with the error if there was one.
 */
export class SshSession implements HostSession {
  private sftpSession?: Promise<SFTPWrapper>;
  private readonly tunnels = new Map<number, (stream: Duplex) => void>();
  private acceptingTunnels = false;
  private ended = false;
  private closing = false;
  readonly closed: Promise<Error | undefined>;

  private constructor(
    private readonly conn: Client,
    /** `SHA256:…` of the key the host presented. */
    readonly fingerprint: string,
    readonly target: ConnectTarget,
    private readonly clock: Clock,
    closed: Promise<Error | undefined>,
  ) {
    this.closed = closed.then((e) => {
      this.ended = true;
      return e;
    });
  }

  /** Connects and authenticates; rejects with a message naming the cause (see sshErrors.ts). */
  static connect(o: SshConnectOptions, clock: Clock): Promise<SshSession> {
    return new Promise((resolve, reject) => {
      const conn = new Client();
      let seen = '';
      let mismatch: HostKeyMismatchError | undefined;
      let lastError: Error | undefined;
      let ready = false;
      let resolveClosed!: (e: Error | undefined) => void;
      const closed = new Promise<Error | undefined>((r) => (resolveClosed = r));
      conn.on('error', (e) => {
        lastError = e;
        if (!ready) {
          conn.destroy();
          reject(describeConnectError(mismatch ?? e, o, o.readyTimeoutMs));
        }
      });
      conn.on('close', () => {
        resolveClosed(lastError);
        if (!ready) reject(describeConnectError(mismatch ?? lastError ?? new Error('connection closed during the SSH handshake'), o, o.readyTimeoutMs));
      });
      conn.on('ready', () => {
        ready = true;
        resolve(new SshSession(conn, seen, { address: o.address, port: o.port, user: o.user }, clock, closed));
      });
      try {
        conn.connect({
          host: o.address,
          port: o.port,
          username: o.user,
          privateKey: o.privateKey,
          ...(o.passphrase ? { passphrase: o.passphrase } : {}),
          agent: o.agentSocket,
          readyTimeout: o.readyTimeoutMs,
          keepaliveInterval: o.keepaliveIntervalMs,
          keepaliveCountMax: o.keepaliveCountMax,
          hostVerifier: (key: Buffer) => {
            seen = fingerprint(key);
            if (o.expectedFingerprint && o.expectedFingerprint !== seen) {
              mismatch = new HostKeyMismatchError(o.address, o.expectedFingerprint, seen);
              return false;
            }
            return true;
          },
        });
      } catch (e) {
        // ssh2 throws synchronously for a key it cannot parse.
        reject(describeConnectError(e, o, o.readyTimeoutMs));
      }
    });
  }

  get isOpen(): boolean {
    return !this.ended && !this.closing;
  }

  /**
   * Runs a command (through the user's shell on the host). Never rejects for a non-zero exit.
   * `timeoutMs` (default 60 s) counts from the request, so it also ends the wait for a host that
   * never opens the command's channel (a connection cut off without a word).
   */
  exec(command: string, opts: { timeoutMs?: number } = {}): Promise<ExecResult> {
    const timeoutMs = opts.timeoutMs ?? 60_000;
    return new Promise((resolve, reject) => {
      let settled = false;
      let channel: ClientChannel | undefined;
      const cancel = this.clock.setTimeout(() => {
        settled = true;
        channel?.close();
        reject(new Error(`a command on ${this.target.address} did not finish within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      const fail = (message: string) => {
        if (settled) return;
        settled = true;
        cancel();
        reject(new Error(`cannot run a command on ${this.target.address}: ${message}`));
      };
      try {
        this.conn.exec(command, (err, stream) => {
          if (err) return fail(err.message);
          if (settled) {
            // Opened after the time ran out: nobody waits for it any more.
            stream.close();
            return;
          }
          channel = stream;
          let stdout = '';
          let stderr = '';
          let code: number | null = null;
          stream.on('data', (d: Buffer) => {
            if (stdout.length < MAX_OUTPUT) stdout += d.toString();
          });
          stream.stderr.on('data', (d: Buffer) => {
            if (stderr.length < MAX_OUTPUT) stderr += d.toString();
          });
          stream.on('exit', (c: number | null) => {
            code = typeof c === 'number' ? c : null;
          });
          stream.on('close', () => {
            if (settled) return;
            settled = true;
            cancel();
            resolve({ code, stdout, stderr });
          });
        });
      } catch (e) {
        // ssh2 throws at once when the connection is no longer writable.
        fail(e instanceof Error ? e.message : String(e));
      }
    });
  }

  /**
   * True when the host answers a trivial command within `timeoutMs`; false on a dead or silent
   * connection (a laptop that slept on one network and woke on another), never hanging.
   */
  ping(timeoutMs: number): Promise<boolean> {
    if (!this.isOpen) return Promise.resolve(false);
    return new Promise((resolve) => {
      const cancel = this.clock.setTimeout(() => resolve(false), timeoutMs);
      this.exec('true', { timeoutMs }).then(
        (r) => {
          cancel();
          resolve(r.code === 0);
        },
        () => {
          cancel();
          resolve(false);
        },
      );
    });
  }

  private sftp(): Promise<SFTPWrapper> {
    this.sftpSession ??= this.openChannel<SFTPWrapper>('SFTP', (cb) => this.conn.sftp(cb), (sftp) => sftp.end()).catch((e: unknown) => {
      this.sftpSession = undefined;
      throw e;
    });
    return this.sftpSession;
  }

  /**
   * Asks the host for a channel (`open` calls back once it answers); rejects when the connection is
   * closed, when the host refuses, or when it has not answered within {@link CHANNEL_OPEN_MS}. A
   * channel that arrives after that is closed (`close`): nobody waits for it any more.
   */
  private openChannel<T>(what: string, open: (cb: (err: Error | undefined, ch: T) => void) => void, close: (ch: T) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!this.isOpen) return reject(new Error(`the SSH connection to ${this.target.address} is closed`));
      let settled = false;
      const cancel = this.clock.setTimeout(() => {
        settled = true;
        reject(new Error(`cannot open ${what} on ${this.target.address}: no answer within ${Math.round(CHANNEL_OPEN_MS / 1000)} s`));
      }, CHANNEL_OPEN_MS);
      const cb = (err: Error | undefined, ch: T) => {
        if (settled) {
          if (!err) close(ch);
          return;
        }
        settled = true;
        cancel();
        if (err) reject(new Error(`cannot open ${what} on ${this.target.address}: ${err.message}`));
        else resolve(ch);
      };
      try {
        open(cb);
      } catch (e) {
        // ssh2 throws at once when the connection is no longer writable.
        cb(e instanceof Error ? e : new Error(String(e)), undefined as T);
      }
    });
  }

  /** Uploads `data` to `path` with `mode` (octal string): written beside it, then moved into place. */
  async writeFile(path: string, data: Buffer | string, mode: string): Promise<void> {
    const sftp = await this.sftp();
    const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
    await new Promise<void>((resolve, reject) =>
      sftp.writeFile(tmp, data, { mode: 0o600 }, (err) => (err ? reject(new Error(`cannot upload ${path} to ${this.target.address}: ${err.message}`)) : resolve())),
    );
    const r = await this.exec(installFileScript(tmp, path, mode));
    if (r.code !== 0) throw new Error(`cannot install ${path} on ${this.target.address}: ${r.stderr.trim() || `exit ${r.code}`}`);
  }

  /**
   * Listens on the host's `127.0.0.1:port` and hands each incoming connection to `onStream`
   * (ssh's `-R`). Rejects when the host cannot listen there (the port is taken, or forwarding is off).
   */
  forwardIn(port: number, onStream: (stream: Duplex) => void): Promise<void> {
    if (!this.acceptingTunnels) {
      this.acceptingTunnels = true;
      this.conn.on('tcp connection', (info, accept, rejectConn) => {
        const handler = this.tunnels.get(info.destPort);
        if (handler) handler(accept());
        else rejectConn();
      });
    }
    return new Promise((resolve, reject) => {
      this.conn.forwardIn('127.0.0.1', port, (err) => {
        if (err) return reject(new Error(`cannot listen on 127.0.0.1:${port} on ${this.target.address} for the API tunnel: ${err.message} (port in use, or AllowTcpForwarding off in sshd)`));
        this.tunnels.set(port, onStream);
        resolve();
      });
    });
  }

  /** Opens a connection to `127.0.0.1:port` as seen from the host (ssh's `-L`, one stream). */
  forwardOut(port: number): Promise<Duplex> {
    return this.openChannel<Duplex>(
      `127.0.0.1:${port}`,
      (cb) => this.conn.forwardOut('127.0.0.1', 0, '127.0.0.1', port, (err, stream) => cb(err, stream)),
      (stream) => stream.destroy(),
    );
  }

  /**
   * A login shell with a pseudo-terminal (`xterm-256color`, `size` in characters), for a person at
   * the UI's host terminal. Nothing of the request reaches the host's shell as text: the pty and
   * its size are SSH channel requests.
   */
  async shell(size: { cols: number; rows: number }): Promise<ShellProcess> {
    const ch = await this.openChannel<ClientChannel>(
      'a shell',
      (cb) => this.conn.shell({ term: 'xterm-256color', cols: size.cols, rows: size.rows }, (err, c) => cb(err, c)),
      (c) => c.close(),
    );
    let code = -1;
    ch.on('exit', (c: number | null) => {
      if (typeof c === 'number') code = c;
    });
    const closed = new Promise<number>((r) => ch.once('close', () => r(code)));
    return {
      stdin: ch,
      stdout: ch,
      stderr: ch.stderr,
      resize: async (cols, rows) => void ch.setWindow(rows, cols, 0, 0),
      wait: () => closed,
      close: () => ch.close(),
    };
  }

  close(): void {
    this.closing = true;
    this.conn.end();
  }

  destroy(): void {
    this.closing = true;
    this.conn.destroy();
  }
}
