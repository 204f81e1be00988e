import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseForwardSpec, type PortForwards } from './portForwards.js';
import { FORWARDS_PATH } from './wire/portForwards.js';

const MAX_BODY = 16 * 1024;

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function status(res: ServerResponse, code: number, reason: string, message: string, causes?: { field: string; message: string }[]): void {
  send(res, code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason, message, code, ...(causes ? { details: { causes } } : {}) });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
    req.on('error', reject);
  });
}

/**
 * `GET /skiff/portforwards` lists them, `POST` (a ForwardSpec as JSON) starts one and answers 201
 * with it, `DELETE /skiff/portforwards/<id>` stops one. Errors are Kubernetes `Status` objects, a
 * bad field with its name as the cause. The caller has checked the session and the origin.
 */
export async function servePortForwards(req: IncomingMessage, res: ServerResponse, pathname: string, forwards: PortForwards): Promise<void> {
  if (pathname === FORWARDS_PATH) {
    if (req.method === 'GET') return send(res, 200, { items: forwards.list() });
    if (req.method === 'POST') {
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req));
      } catch (e) {
        return status(res, 400, 'BadRequest', `the body is not JSON: ${e instanceof Error ? e.message : String(e)}`);
      }
      const spec = parseForwardSpec(body);
      if ('field' in spec) return status(res, 422, 'Invalid', `${spec.field || 'body'}: ${spec.message}`, [{ field: spec.field, message: spec.message }]);
      try {
        return send(res, 201, await forwards.start(spec));
      } catch (e) {
        return status(res, 400, 'BadRequest', `cannot forward ${spec.kind} ${spec.namespace}/${spec.name} port ${spec.port}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return status(res, 405, 'MethodNotAllowed', `${req.method} is not allowed here`);
  }
  const id = pathname.slice(FORWARDS_PATH.length + 1);
  if (req.method !== 'DELETE' || !/^[0-9a-f]{1,32}$/.test(id)) return status(res, 404, 'NotFound', 'not found');
  if (!forwards.stop(id)) return status(res, 404, 'NotFound', `port-forward ${id} not found`);
  return send(res, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 });
}
