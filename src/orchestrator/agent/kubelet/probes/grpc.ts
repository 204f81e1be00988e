import { connect, constants } from 'node:http2';
import type { Clock } from '../../../util/clock.js';
import { withTimeout, type HandlerResult } from './handlers.js';

/** `grpc.health.v1.HealthCheckResponse.ServingStatus` names. */
const STATUS = ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'];

function varint(n: number): Buffer {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

/** `HealthCheckRequest { string service = 1; }` in a gRPC message frame (uncompressed). */
export function healthRequest(service: string): Buffer {
  const s = Buffer.from(service, 'utf8');
  const msg = s.length ? Buffer.concat([Buffer.from([0x0a]), varint(s.length), s]) : Buffer.alloc(0);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(msg.length, 1);
  return Buffer.concat([head, msg]);
}

/** The `status` field (1, varint) of a framed `HealthCheckResponse`; 0 (UNKNOWN) when absent. */
export function healthStatus(frame: Buffer): number {
  if (frame.length < 5) return 0;
  const len = frame.readUInt32BE(1);
  const msg = frame.subarray(5, 5 + len);
  let i = 0;
  while (i < msg.length) {
    const tag = msg[i++] as number;
    const field = tag >> 3;
    const wire = tag & 7;
    let v = 0;
    let shift = 0;
    if (wire === 0) {
      for (;;) {
        const b = msg[i++] ?? 0;
        v |= (b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80) || i >= msg.length) break;
      }
      if (field === 1) return v;
    } else if (wire === 2) {
      let l = 0;
      for (;;) {
        const b = msg[i++] ?? 0;
        l |= (b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80) || i >= msg.length) break;
      }
      i += l;
    } else return 0;
  }
  return 0;
}

/**
 * A gRPC probe: one unary `grpc.health.v1.Health/Check` over cleartext HTTP/2, as the kubelet's
 * gRPC prober, with its messages: `service unhealthy (responded with "NOT_SERVING")`, `timeout:
 * failed to connect service "ADDR" within Ns`, and the health protocol not implemented.
 */
export async function grpcHandler(clock: Clock, host: string, port: number, service: string, timeoutMs: number): Promise<HandlerResult> {
  const addr = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const session = connect(`http://${addr}`);
  const secs = `${Math.round(timeoutMs / 1000)}s`;
  const work = new Promise<HandlerResult>((resolve) => {
    let connected = false;
    let sessionError: Error | undefined;
    const failed = (e: Error) => resolve({ ok: false, output: connected ? `rpc error: ${e.message}` : `timeout: failed to connect service "${addr}" within ${secs}: ${(sessionError ?? e).message}` });
    session.on('error', (e) => {
      sessionError = e;
      failed(e);
    });
    session.on('connect', () => (connected = true));
    const req = session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: '/grpc.health.v1.Health/Check',
      [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
      te: 'trailers',
      'user-agent': 'kube-probe/1.32',
    });
    const chunks: Buffer[] = [];
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    const readStatus = (h: Record<string, unknown>) => {
      if (h['grpc-status'] !== undefined) grpcStatus = String(h['grpc-status']);
      if (h['grpc-message'] !== undefined) grpcMessage = decodeURIComponent(String(h['grpc-message']));
    };
    req.on('response', readStatus);
    req.on('trailers', readStatus);
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', failed);
    req.on('end', () => {
      if (grpcStatus === '12') {
        resolve({ ok: false, output: `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${grpcMessage || 'unknown service grpc.health.v1.Health'}` });
        return;
      }
      if (grpcStatus !== undefined && grpcStatus !== '0') {
        resolve({ ok: false, output: `rpc error: code = ${grpcStatus} desc = ${grpcMessage}` });
        return;
      }
      const status = healthStatus(Buffer.concat(chunks));
      if (status === 1) resolve({ ok: true, output: 'service healthy' });
      else resolve({ ok: false, output: `service unhealthy (responded with "${STATUS[status] ?? String(status)}")` });
    });
    req.end(healthRequest(service));
  });
  try {
    return await withTimeout(clock, timeoutMs, work, () => ({ ok: false, output: `timeout: health rpc did not complete within ${secs}` }));
  } finally {
    session.destroy();
  }
}
