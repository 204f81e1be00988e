import { get } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/controlPlane.js';
import { eventually } from '../support/kubectl.js';
import { startStreamingCluster, WEB_POD, type StreamingCluster } from './streaming.fixture.js';

// The real kubectl's port-forward against a live Skiff: a SPDY/3.1 session tunnelled in a
// WebSocket (SPDY/3.1+portforward.k8s.io) through the API server to the node agent, which connects
// to the pod's IP; real TCP traffic to busybox httpd.
let c: StreamingCluster;
const kn = (...args: string[]) => ['-n', c.ns, ...args];

beforeAll(async () => {
  c = await startStreamingCluster('compat-pf');
  await c.apply(WEB_POD('web'));
  await c.apply(`apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 8080, targetPort: http}]
`);
  await c.phase('web');
});

afterAll(async () => {
  await c?.stop();
});

/** One HTTP GET on a fresh connection (no keep-alive), resolving with status and body. */
function fetchOnce(port: number, path = '/'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false, timeout: 15_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

async function forward(target: string, remote: number) {
  const local = await freePort();
  const pf = c.k.stream(kn('port-forward', target, `${local}:${remote}`));
  await eventually(`kubectl port-forward ${target} to listen`, () => pf.output().includes(`Forwarding from 127.0.0.1:${local} -> `), 30_000);
  return { local, pf };
}

describe('kubectl port-forward', () => {
  it('to a pod: sequential and concurrent connections reach the container port', async () => {
    const { local, pf } = await forward('pod/web', 80);
    for (let i = 0; i < 4; i++) expect(await fetchOnce(local)).toEqual({ status: 200, body: 'hello-pf\n' });
    const [a, b] = await Promise.all([fetchOnce(local), fetchOnce(local, '/missing')]);
    expect(a).toEqual({ status: 200, body: 'hello-pf\n' });
    expect(b.status).toBe(404);
    expect(pf.output()).toContain('Handling connection for ' + local);
    expect(pf.output()).not.toMatch(/error|lost connection/i);
    pf.stop();
    await pf.exited;
  });

  it('to a service: kubectl picks a pod and maps the service port to its target port', async () => {
    const { local, pf } = await forward('svc/web', 8080);
    expect(pf.output()).toContain(`Forwarding from 127.0.0.1:${local} -> 80`);
    expect(await fetchOnce(local)).toEqual({ status: 200, body: 'hello-pf\n' });
    expect(await fetchOnce(local)).toEqual({ status: 200, body: 'hello-pf\n' });
    pf.stop();
    await pf.exited;
  });

  it('carries a large body intact', async () => {
    const size = 3 * 1024 * 1024;
    // The image links few applets; `sh` runs the others (od, tr, md5sum) itself.
    const made = await c.k.ok(kn('exec', 'web', '--', 'sh', '-c', `head -c ${size} /dev/urandom | od -An -tx1 -v | tr -d ' \\n' | head -c ${size} > /www/big.txt; md5sum /www/big.txt`));
    const want = made.split(' ')[0];
    expect(want).toMatch(/^[0-9a-f]{32}$/);
    const { local, pf } = await forward('pod/web', 80);
    const r = await fetchOnce(local, '/big.txt');
    expect(r.status).toBe(200);
    expect(r.body.length).toBe(size);
    const { createHash } = await import('node:crypto');
    expect(createHash('md5').update(r.body).digest('hex')).toBe(want);
    pf.stop();
    await pf.exited;
  });

  it('carries a large upload and the client half-close (md5 computed in the pod)', async () => {
    // A persistent listener on 81 that answers each connection with the md5 of what it received.
    await c.k.ok(kn('exec', 'web', '--', 'sh', '-c', 'nc -ll -p 81 -e sh -c md5sum </dev/null >/dev/null 2>&1 &'));
    const { local, pf } = await forward('pod/web', 81);
    const { randomBytes, createHash } = await import('node:crypto');
    const { connect } = await import('node:net');
    for (const size of [5 * 1024 * 1024, 10]) {
      const data = randomBytes(size);
      const answer = await new Promise<string>((resolve, reject) => {
        const s = connect(local, '127.0.0.1', () => s.end(data));
        let got = '';
        s.on('data', (d: Buffer) => (got += d.toString()));
        s.on('end', () => resolve(got));
        s.on('error', reject);
      });
      expect(answer.split(' ')[0]).toBe(createHash('md5').update(data).digest('hex'));
    }
    pf.stop();
    await pf.exited;
  });

  it('reports a closed port in the pod the way kubectl prints kubelet errors', async () => {
    const { local, pf } = await forward('pod/web', 82);
    await fetchOnce(local).catch(() => undefined);
    await eventually('the forwarding error', () => pf.output().includes('error forwarding port 82 to pod'), 20_000);
    pf.stop();
    await pf.exited;
  });
});
