import type { Server } from 'node:http';

/** What one HTTP(S) server accepts at once and how long a client may take to send a request. */
export interface ServerLimits {
  /** Open connections at once; Node closes connections beyond this at once. */
  maxConnections: number;
  /**
   * Receiving a whole request, headers and body (Node's `requestTimeout`; checked every 30 s). A
   * backstop: the API reads bodies with its own 60 s deadline and answers a Status first. Responses
   * (watches, log streams) and upgraded connections are not limited by it.
   */
  requestTimeoutMs?: number;
  /** Receiving the request line and headers (Node's `headersTimeout`). */
  headersTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs?: number;
}

/** kube-apiserver's `--request-timeout` (60 s) plus the 30 s granularity of Node's check. */
export const REQUEST_TIMEOUT_MS = 90_000;
export const HEADERS_TIMEOUT_MS = 60_000;

/**
 * Applies `limits` to a Node HTTP or HTTPS server, so that neither many idle connections nor a
 * request that never finishes arriving (a body shorter than its Content-Length, a slow sender) can
 * hold the server's resources forever.
 */
export function applyServerLimits(server: Pick<Server, 'maxConnections' | 'requestTimeout' | 'headersTimeout' | 'keepAliveTimeout'>, limits: ServerLimits): void {
  server.maxConnections = limits.maxConnections;
  server.requestTimeout = limits.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  server.headersTimeout = Math.min(limits.headersTimeoutMs ?? HEADERS_TIMEOUT_MS, server.requestTimeout);
  server.keepAliveTimeout = limits.keepAliveTimeoutMs ?? 65_000;
}
