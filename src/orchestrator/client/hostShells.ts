import type { Readable, Writable } from 'node:stream';
import { ApiError } from '../api/errors.js';

/**
 * A login shell on a host, as the control plane's SSH connection to it opens one (a pty with
 * `xterm-256color`). The same shape as an exec'd process, so the exec channel protocol serves it.
 */
export interface ShellProcess {
  stdin?: Writable;
  stdout?: Readable;
  stderr?: Readable;
  /** Resizes the pseudo-terminal, in characters. */
  resize(width: number, height: number): Promise<void>;
  /** The shell's exit code (-1 when the connection dropped without one). */
  wait(): Promise<number>;
  /** Ends the shell's channel; its output stops. */
  close(): void;
}

/** Opens shells on one host. Rejects with a message a user can act on (e.g. the connection is down). */
export interface HostShellOpener {
  open(size: { cols: number; rows: number }): Promise<ShellProcess>;
}

/**
 * Routes `hosts/NAME/shell` to the SSH connection the host controller holds for Host NAME; the
 * controller registers a host once it is connected and disposes the registration when it drops it.
 */
export class HostShells {
  private readonly routes = new Map<string, HostShellOpener>();

  register(hostName: string, opener: HostShellOpener): { dispose(): void } {
    this.routes.set(hostName, opener);
    return {
      dispose: () => {
        if (this.routes.get(hostName) === opener) this.routes.delete(hostName);
      },
    };
  }

  has(hostName: string): boolean {
    return this.routes.has(hostName);
  }

  open(hostName: string, size: { cols: number; rows: number }): Promise<ShellProcess> {
    const o = this.routes.get(hostName);
    if (!o) throw new ApiError(503, 'ServiceUnavailable', `host ${hostName} is not connected: Skiff holds no SSH connection to it right now`);
    return o.open(size);
  }
}
