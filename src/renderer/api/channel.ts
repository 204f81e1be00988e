import { resourcePath, resourceType } from '../../orchestrator/api/resources.js';

/**
 * The Kubernetes channel WebSocket protocol (exec, attach, host shells), client side: every binary
 * message is one channel byte and its data. 0 stdin, 1 stdout, 2 stderr, 3 the final Status
 * (JSON), 4 resize (`{"Width":W,"Height":H}`); v5 adds 255 close (`[255, channel]`).
 */
export const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
export const Channel = { stdin: 0, stdout: 1, stderr: 2, error: 3, resize: 4, close: 255 } as const;

const encoder = new TextEncoder();

export function frame(channel: number, data: Uint8Array | string): Uint8Array {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  const out = new Uint8Array(bytes.length + 1);
  out[0] = channel;
  out.set(bytes, 1);
  return out;
}

export function resizeFrame(cols: number, rows: number): Uint8Array {
  return frame(Channel.resize, JSON.stringify({ Width: cols, Height: rows }));
}

export interface ChannelMessage {
  channel: number;
  data: Uint8Array;
}

export function parseFrame(buf: ArrayBuffer | Uint8Array): ChannelMessage | undefined {
  const b = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  if (b.length === 0) return undefined;
  return { channel: b[0] as number, data: b.subarray(1) };
}

/** How a session ended, from the Status on channel 3: `exitCode` 0 for Success. */
export interface ExitInfo {
  exitCode: number | undefined;
  message: string;
}

export function parseExit(data: Uint8Array): ExitInfo {
  const text = new TextDecoder().decode(data);
  try {
    const s = JSON.parse(text) as { status?: string; message?: string; details?: { causes?: { reason?: string; message?: string }[] } };
    if (s.status === 'Success') return { exitCode: 0, message: 'exited' };
    const cause = s.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
    const code = cause !== undefined && /^\d+$/.test(cause) ? Number(cause) : undefined;
    return { exitCode: code, message: code !== undefined ? `exited with code ${code}` : (s.message ?? 'failed') };
  } catch {
    return { exitCode: undefined, message: text || 'failed' };
  }
}

/** Where a terminal connects: a container (pods/exec with a tty) or a host's login shell. */
export type TerminalTarget =
  | { kind: 'pod'; namespace: string; pod: string; container: string }
  | { kind: 'host'; host: string };

/**
 * Tries bash, then sh, as Lens and k9s do. A fixed string: nothing a user typed is in it (the
 * container's own shell reads what is typed once the session is open).
 */
export const SHELL_COMMAND = ['/bin/sh', '-c', 'command -v bash >/dev/null 2>&1 && exec bash || exec sh'];

/** The same-origin WebSocket URL of a target (the UI server's `/k8s` prefix carries the session cookie). */
export function terminalUrl(origin: string, t: TerminalTarget, size?: { cols: number; rows: number }): string {
  const base = origin.replace(/^http/, 'ws') + '/k8s';
  const q = new URLSearchParams();
  if (t.kind === 'pod') {
    q.set('container', t.container);
    for (const c of SHELL_COMMAND) q.append('command', c);
    q.set('stdin', 'true');
    q.set('stdout', 'true');
    q.set('tty', 'true');
    return `${base}${resourcePath(resourceType('pods'), t.namespace, t.pod, 'exec')}?${q}`;
  }
  if (size) {
    q.set('cols', String(size.cols));
    q.set('rows', String(size.rows));
  }
  const s = q.toString();
  return `${base}${resourcePath(resourceType('hosts'), undefined, t.host, 'shell')}${s ? `?${s}` : ''}`;
}

export function terminalTitle(t: TerminalTarget): string {
  return t.kind === 'pod' ? `${t.pod}/${t.container}` : `host ${t.host}`;
}

export function terminalKey(t: TerminalTarget): string {
  return t.kind === 'pod' ? `pod:${t.namespace}/${t.pod}/${t.container}` : `host:${t.host}`;
}

/** The socket a session needs; the browser's WebSocket implements it. */
export type SocketLike = Pick<WebSocket, 'binaryType' | 'readyState' | 'send' | 'close' | 'onopen' | 'onmessage' | 'onclose' | 'onerror'>;

export type SessionState = 'connecting' | 'open' | 'exited' | 'failed';

export interface SessionEvents {
  output(data: Uint8Array): void;
  state(state: SessionState, detail?: string): void;
}

/**
 * One terminal session over a channel WebSocket: output to `events.output`, keystrokes in through
 * `input`, size through `resize` (sent at once, and again when the socket opens). Ends with the
 * Status on channel 3 (`exited`) or a close without one (`failed`, with the reason).
 */
export class TerminalSession {
  private ended = false;
  private size: { cols: number; rows: number } | undefined;

  constructor(
    private readonly ws: SocketLike,
    events: SessionEvents,
  ) {
    ws.binaryType = 'arraybuffer';
    events.state('connecting');
    ws.onopen = () => {
      events.state('open');
      if (this.size) ws.send(resizeFrame(this.size.cols, this.size.rows));
    };
    ws.onmessage = (ev) => {
      if (!(ev.data instanceof ArrayBuffer)) return;
      const m = parseFrame(ev.data);
      if (!m) return;
      if (m.channel === Channel.stdout || m.channel === Channel.stderr) events.output(m.data);
      else if (m.channel === Channel.error) {
        this.ended = true;
        events.state('exited', parseExit(m.data).message);
      }
    };
    ws.onclose = (ev) => {
      if (this.ended) return;
      this.ended = true;
      events.state('failed', ev.reason || (ev.code === 1006 ? 'the connection was refused or dropped' : `connection closed (${ev.code})`));
    };
    ws.onerror = () => undefined;
  }

  input(text: string): void {
    if (this.ws.readyState === 1) this.ws.send(frame(Channel.stdin, text));
  }

  resize(cols: number, rows: number): void {
    if (cols < 1 || rows < 1 || (this.size?.cols === cols && this.size.rows === rows)) return;
    this.size = { cols, rows };
    if (this.ws.readyState === 1) this.ws.send(resizeFrame(cols, rows));
  }

  close(): void {
    this.ended = true;
    this.ws.close(1000);
  }
}
