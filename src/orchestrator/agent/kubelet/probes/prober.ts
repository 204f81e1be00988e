import type { Container } from '../../../api/types.js';
import type { Clock } from '../../../util/clock.js';
import type { Runtime } from '../../runtime/types.js';
import { grpcHandler } from './grpc.js';
import { execHandler, httpHandler, tcpHandler, type HandlerResult } from './handlers.js';

/** A probe's or hook's action, as the pod spec writes it. */
export interface ActionSpec {
  exec?: { command?: string[] };
  httpGet?: { scheme?: 'HTTP' | 'HTTPS'; host?: string; path?: string; port?: number | string; httpHeaders?: { name: string; value: string }[] };
  tcpSocket?: { host?: string; port?: number | string };
  grpc?: { port?: number; service?: string };
  sleep?: { seconds?: number };
}

/** Where an action runs: the container (exec) or the pod's address (network checks). */
export interface ActionTarget {
  container: Container;
  containerId: string;
  /** The pod IP (the node's with hostNetwork): what httpGet, tcpSocket and grpc reach by default. */
  podIP?: string;
}

/**
 * Runs a probe or hook action. Implementations: `RealProber` (the engine's exec, real sockets from
 * the host, so a pod on an SSH host is probed from that host), and fakes in unit tests. Resolves
 * with the result; rejects only when the action could not be attempted (the kubelet's "errored").
 */
export interface Prober {
  run(action: ActionSpec, target: ActionTarget, timeoutMs: number): Promise<HandlerResult>;
}

/** A port by number, or by the name of one of the container's ports. */
export function resolvePort(port: number | string | undefined, c: Container): number {
  if (typeof port === 'number') return port;
  if (typeof port === 'string' && /^\d+$/.test(port)) return Number(port);
  const named = c.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`couldn't find port: ${String(port)} in container ${c.name}`);
  return named.containerPort;
}

export class RealProber implements Prober {
  constructor(
    private readonly runtime: Runtime,
    private readonly clock: Clock,
  ) {}

  async run(a: ActionSpec, t: ActionTarget, timeoutMs: number): Promise<HandlerResult> {
    if (a.exec) return execHandler(this.runtime, this.clock, t.containerId, a.exec.command ?? [], timeoutMs);
    const host = (a.httpGet?.host ?? a.tcpSocket?.host) || t.podIP;
    if (a.httpGet) {
      if (!host) throw new Error('the pod has no IP yet');
      return httpHandler(this.clock, { scheme: a.httpGet.scheme ?? 'HTTP', host, port: resolvePort(a.httpGet.port, t.container), path: a.httpGet.path ?? '/', headers: a.httpGet.httpHeaders ?? [] }, timeoutMs);
    }
    if (a.tcpSocket) {
      if (!host) throw new Error('the pod has no IP yet');
      return tcpHandler(this.clock, host, resolvePort(a.tcpSocket.port, t.container), timeoutMs);
    }
    if (a.grpc) {
      if (!t.podIP) throw new Error('the pod has no IP yet');
      return grpcHandler(this.clock, t.podIP, a.grpc.port ?? 0, a.grpc.service ?? '', timeoutMs);
    }
    throw new Error('the action has no handler (exec, httpGet, tcpSocket or grpc)');
  }
}
