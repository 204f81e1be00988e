import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCompatCluster, type CompatCluster } from '../compat/cluster.js';
import { eventually } from '../support/kubectl.js';

/*
 * The built-in ingress controller on one real node: this machine's Docker engine, pods on the
 * node's pod network, the agent's proxy on the cluster's ingress ports (leased per test cluster,
 * so concurrent clusters on this machine do not fight over 80/443). Requests go from this process
 * to the node's address, as a browser on the LAN would. Backends: busybox httpd pods, and a pod
 * whose `nc -ll -e` handler answers a WebSocket upgrade (then echoes) or a response it keeps open
 * (streaming), so both pass-throughs are tested against a real server.
 */

let c: CompatCluster;
let nodeIP = '';
let httpPort = 0;
let httpsPort = 0;
let cert = '';

const WS_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const WS_ACCEPT = createHash('sha1').update(`${WS_KEY}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');

const web = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: web
        image: local/busybox:1
        imagePullPolicy: IfNotPresent
        command: ["sh", "-c", "mkdir -p /www/api; echo ${name} > /www/index.html; echo ${name}-api > /www/api/index.html; exec httpd -f -p 8080 -h /www"]
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 80, targetPort: 8080}]
`;

// Reads the request line and headers; /ws answers 101 and echoes; anything else answers 200 with the
// X-Forwarded-* headers it got, then keeps the response open until the client goes.
const HANDLER = `#!/bin/sh
read -r req
fw=""
while read -r l; do
  [ "\${#l}" -le 1 ] && break
  case "$l" in [Xx]-[Ff]orwarded-*) fw="$fw$l
";; esac
done
case "$req" in
  *" /ws "*) printf 'HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: ${WS_ACCEPT}\\r\\n\\r\\n'; exec cat ;;
  *) printf 'HTTP/1.1 200 OK\\r\\nContent-Type: text/plain\\r\\nConnection: close\\r\\n\\r\\nfirst\\n%s' "$fw"; exec cat >/dev/null ;;
esac
`;

const ncServer = `apiVersion: v1
kind: ConfigMap
metadata: {name: nc-handler}
data:
  h.sh: |
${HANDLER.split('\n').map((l) => `    ${l}`).join('\n')}
---
apiVersion: v1
kind: Pod
metadata: {name: nc, labels: {app: nc}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: nc
    image: local/busybox:1
    imagePullPolicy: IfNotPresent
    command: ["nc", "-ll", "-p", "8080", "-e", "/h/h.sh"]
    ports: [{containerPort: 8080}]
    volumeMounts: [{name: h, mountPath: /h}]
  volumes: [{name: h, configMap: {name: nc-handler, defaultMode: 0755}}]
---
apiVersion: v1
kind: Service
metadata: {name: nc}
spec:
  selector: {app: nc}
  ports: [{name: raw, port: 8080}]
`;

const ingresses = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  rules:
  - host: shop.test
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: front, port: {name: http}}}}
      - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
      - {path: /ws, pathType: Exact, backend: {service: {name: nc, port: {name: raw}}}}
      - {path: /stream, pathType: Exact, backend: {service: {name: nc, port: {number: 8080}}}}
  - host: "*.wild.test"
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: secure}
spec:
  ingressClassName: skiff
  tls: [{hosts: [secure.test], secretName: secure-tls}]
  rules:
  - host: secure.test
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: front, port: {number: 80}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: broken}
spec:
  rules:
  - host: broken.test
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: nothere, port: {number: 80}}}}
`;

interface Reply {
  status: number;
  body: string;
  headers: IncomingHttpHeaders;
}

function fetchVia(host: string, path: string, timeoutMs = 3000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: nodeIP, port: httpPort, path, headers: { host }, timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim(), headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout fetching ${host}${path}`)));
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  c = await startCompatCluster('ing');
  nodeIP = await c.k.ok(['get', 'node', c.nodeName, '-o', 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}']);
  httpPort = Number(await c.k.ok(['get', 'configmap', '-n', 'kube-system', 'skiff-network', '-o', 'jsonpath={.data.ingressHttpPort}']));
  httpsPort = Number(await c.k.ok(['get', 'configmap', '-n', 'kube-system', 'skiff-network', '-o', 'jsonpath={.data.ingressHttpsPort}']));
  const key = c.file('tls/tls.key', '');
  const crt = c.file('tls/tls.crt', '');
  // Argument vector, no shell: a self-signed certificate for secure.test.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '1', '-subj', '/CN=secure.test', '-addext', 'subjectAltName=DNS:secure.test'], { stdio: 'ignore' });
  cert = readFileSync(crt, 'utf8');
  await c.k.ok(['create', 'secret', 'tls', 'secure-tls', `--cert=${crt}`, `--key=${key}`]);
  await c.k.ok(['apply', '-f', c.file('front.yaml', web('front'))]);
  await c.k.ok(['apply', '-f', c.file('api.yaml', web('api'))]);
  await c.k.ok(['apply', '-f', c.file('nc.yaml', ncServer)]);
  await c.k.ok(['apply', '-f', c.file('ingress.yaml', ingresses)]);
  await eventually('front answering through the ingress', async () => (await fetchVia('shop.test', '/').catch(() => undefined))?.body === 'front', 120_000, 250);
  await c.phase('nc');
}, 180_000);

afterAll(async () => {
  await c?.stop();
});

describe('ingress on one node', () => {
  it('has the default class skiff and sets the node address on the Ingress', async () => {
    expect(await c.k.ok(['get', 'ingressclass', 'skiff', '-o', 'jsonpath={.spec.controller} {.metadata.annotations.ingressclass\\.kubernetes\\.io/is-default-class}'])).toBe('skiff.io/ingress true');
    await eventually('ingress address', async () => (await c.k.ok(['get', 'ingress', 'shop', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])) === nodeIP, 30_000);
  });

  it('routes by host and path (Prefix element-wise, Exact, wildcard) and answers 404 otherwise', async () => {
    expect((await fetchVia('shop.test', '/')).body).toBe('front');
    await eventually('api answering', async () => (await fetchVia('shop.test', '/api/')).body === 'api-api', 60_000, 250);
    expect((await fetchVia('shop.test', '/apix')).status).toBe(404); // the front httpd's own 404: /apix went to front
    expect((await fetchVia('x.wild.test', '/')).body).toBe('api');
    const none = await fetchVia('nothing.test', '/');
    expect(none.status).toBe(404);
    expect(none.body).toBe('404 page not found');
  });

  it('answers 503 for a backend that cannot route, and says why in an event', async () => {
    const r = await fetchVia('broken.test', '/');
    expect(r.status).toBe(503);
    expect(r.body).toMatch(/Service default\/nothere does not exist/);
    await eventually('ServiceNotFound event', async () => (await c.k.ok(['get', 'events', '--field-selector', 'involvedObject.name=broken', '-o', 'jsonpath={.items[*].reason}'])).includes('ServiceNotFound'), 30_000);
  });

  it('serves TLS with the Secret\'s certificate by SNI', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest({ host: nodeIP, port: httpsPort, path: '/', servername: 'secure.test', headers: { host: 'secure.test' }, ca: cert, agent: false, timeout: 5000 }, (res) => {
        let b = '';
        res.on('data', (d: Buffer) => (b += d.toString()));
        res.on('end', () => resolve(b.trim()));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end();
    });
    expect(body).toBe('front');
  });

  it('passes a response through as it streams, with X-Forwarded headers', async () => {
    const first = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: nodeIP, port: httpPort, path: '/stream', headers: { host: 'shop.test' }, agent: false }, (res) => {
        let b = '';
        res.on('data', (d: Buffer) => {
          b += d.toString();
          // The backend has not ended its response (it waits for us to go): this arrived streamed.
          if (b.includes('x-forwarded-proto') || b.includes('X-Forwarded-Proto')) {
            resolve(b);
            req.destroy();
          }
        });
        res.on('end', () => reject(new Error(`the response ended: ${b}`)));
      });
      req.on('error', reject);
      req.end();
    });
    expect(first).toMatch(/^first\n/);
    expect(first.toLowerCase()).toContain('x-forwarded-for:');
    expect(first.toLowerCase()).toContain('x-forwarded-proto: http');
    expect(first.toLowerCase()).toContain('x-forwarded-host: shop.test');
  });

  it('passes a WebSocket upgrade through, both ways', async () => {
    const echoed = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({
        host: nodeIP,
        port: httpPort,
        path: '/ws',
        agent: false,
        headers: { host: 'shop.test', connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-key': WS_KEY, 'sec-websocket-version': '13' },
      });
      req.on('upgrade', (res, socket: Socket) => {
        expect(res.headers['sec-websocket-accept']).toBe(WS_ACCEPT);
        let got = '';
        socket.on('data', (d: Buffer) => {
          got += d.toString();
          if (got.includes('ping-42')) {
            resolve(got);
            socket.destroy();
          }
        });
        socket.write('ping-42\n');
      });
      req.on('response', (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
    expect(echoed).toContain('ping-42');
  });
});
