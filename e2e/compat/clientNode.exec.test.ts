import { Attach, Exec, KubeConfig, PortForward, type V1Status } from '@kubernetes/client-node';
import { get } from 'node:http';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStreamingCluster, WEB_POD, type StreamingCluster } from './streaming.fixture.js';

// The official JS client (@kubernetes/client-node 1.4) against a live Skiff: Exec and Attach over
// v5.channel.k8s.io, PortForward over v4.channel.k8s.io with `?ports=`.
let c: StreamingCluster;
let kc: KubeConfig;

beforeAll(async () => {
  c = await startStreamingCluster('compat-jsx');
  await c.apply(WEB_POD('web'));
  await c.phase('web');
  kc = new KubeConfig();
  kc.loadFromFile(c.t.cp.kubeconfigPath);
});

afterAll(async () => {
  await c?.stop();
});

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

describe('@kubernetes/client-node Exec, Attach and PortForward', () => {
  it('Exec collects stdout and stderr and reports a non-zero exit in the status', async () => {
    const out = sink();
    const err = sink();
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(kc).exec(c.ns, 'web', 'web', ['sh', '-c', 'echo out; echo err >&2; exit 4'], out.stream, err.stream, null, false, resolve).catch(reject);
    });
    expect(out.text()).toBe('out\n');
    expect(err.text()).toBe('err\n');
    expect(status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '4' }] } });
  });

  it('Exec with stdin: the stream’s end closes the command’s stdin (v5 close frame) and the status is Success', async () => {
    const out = sink();
    const input = new PassThrough();
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(kc).exec(c.ns, 'web', 'web', ['cat'], out.stream, null, input, false, resolve).then(() => input.end('piped through the JS client'), reject);
    });
    expect(out.text()).toBe('piped through the JS client');
    expect(status).toEqual({ metadata: {}, status: 'Success' });
  });

  it('Attach streams the main process output', async () => {
    await c.apply(`apiVersion: v1
kind: Pod
metadata: {name: ticker}
spec:
  terminationGracePeriodSeconds: 1
  containers: [{name: t, image: local/busybox:1, command: ["sh", "-c", "while true; do echo tick; sleep 0.2; done"]}]
`);
    await c.phase('ticker');
    const out = sink();
    const ws = await new Attach(kc).attach(c.ns, 'ticker', 't', out.stream, null, null, false);
    await expect.poll(() => (out.text().match(/tick/g) ?? []).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    ws.close();
  });

  it('PortForward carries HTTP requests to the pod, one WebSocket per local connection', async () => {
    const pf = new PortForward(kc);
    const server: Server = createServer((sock) => {
      pf.portForward(c.ns, 'web', [80], sock, null, sock).catch(() => sock.destroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    const fetchOnce = () =>
      new Promise<string>((resolve, reject) => {
        get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 15_000 }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve(`${res.statusCode} ${body}`));
        }).on('error', reject);
      });
    expect(await fetchOnce()).toBe('200 hello-pf\n');
    expect(await fetchOnce()).toBe('200 hello-pf\n');
    server.close();
  });
});
