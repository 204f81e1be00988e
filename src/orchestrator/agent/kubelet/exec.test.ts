import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { silentLogger } from '../../util/logger.js';
import { kubeletFixture, type KubeletFixture } from '../testing/kubeletFixture.js';
import { rawToBuffer } from '../../client/remotecommand.js';
import { startKubeletServer, type KubeletServer } from './server.js';

const TOKEN = 'node-token-exec';
let f: KubeletFixture;
let server: KubeletServer;

beforeEach(async () => {
  f = await kubeletFixture();
  server = await startKubeletServer({ port: 0, token: TOKEN, pods: f.kubelet.pods, runtime: f.runtime, clock: f.clock, log: silentLogger });
});
afterEach(async () => {
  await server.close();
  await f.dispose();
});

interface Session {
  ws: WebSocket;
  /** Every message as [channel, text]. */
  messages: [number, string][];
  closed: Promise<number>;
  send(channel: number, data: string | Buffer): void;
  /** Resolves once a message on `channel` arrived. */
  next(channel: number): Promise<string>;
}

/** Opens a channel WebSocket to the kubelet; rejects with `status body` when the upgrade is refused. */
function open(path: string, protocols: string[] = ['v5.channel.k8s.io'], token: string | null = TOKEN): Promise<Session> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, protocols, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    const messages: [number, string][] = [];
    const waiters: { ch: number; r: (s: string) => void }[] = [];
    ws.on('message', (d) => {
      const b = rawToBuffer(d);
      const ch = b[0] as number;
      messages.push([ch, b.subarray(1).toString()]);
      for (const w of waiters.filter((x) => x.ch === ch)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.r(b.subarray(1).toString());
      }
    });
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => reject(new Error(`${res.statusCode} ${body.trim()}`)));
    });
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        ws,
        messages,
        closed,
        send: (ch, data) => ws.send(Buffer.concat([Buffer.from([ch]), Buffer.from(data)])),
        next: (ch) => {
          const seen = messages.find((m) => m[0] === ch);
          return seen ? Promise.resolve(seen[1]) : new Promise((r) => waiters.push({ ch, r }));
        },
      }),
    );
  });
}

const status = (s: Session) => JSON.parse(s.messages.find((m) => m[0] === 3)?.[1] ?? 'null') as Record<string, unknown>;

describe('kubelet exec', () => {
  it('relays stdout and stderr, then ends with a NonZeroExitCode status carrying the exit code', async () => {
    await f.createPod('p');
    f.runtime.execHandler = async (io) => {
      io.stdout.write('out\n');
      io.stderr.write('err\n');
      return 7;
    };
    const s = await open('/exec/default/p/main?command=sh&command=-c&command=exit%207&stdout=true&stderr=true');
    expect(s.ws.protocol).toBe('v5.channel.k8s.io');
    expect(await s.closed).toBe(1000);
    expect(s.messages.slice(0, 2)).toEqual([
      [1, 'out\n'],
      [2, 'err\n'],
    ]);
    expect(status(s)).toEqual({
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: error executing command [sh -c exit 7], exit code 7',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '7' }] },
    });
    expect(f.runtime.execs[0]?.opts).toEqual({ cmd: ['sh', '-c', 'exit 7'], stdin: false, stdout: true, stderr: true, tty: false });
    expect(f.runtime.execs[0]?.id).toBe(f.containersOf('p')[0]?.id);
  });

  it('feeds stdin and closes it on [255, 0]; all output precedes the Success status', async () => {
    await f.createPod('p');
    const s = await open('/exec/default/p/main?command=cat&stdin=true&stdout=true&stderr=true');
    s.send(0, 'hello ');
    s.send(0, Buffer.alloc(300_000, 'z'));
    s.send(255, Buffer.from([0]));
    expect(await s.closed).toBe(1000);
    const out = s.messages.filter((m) => m[0] === 1).map((m) => m[1]).join('');
    expect(out).toBe('hello ' + 'z'.repeat(300_000));
    expect(s.messages.at(-1)?.[0]).toBe(3);
    expect(status(s)).toEqual({ metadata: {}, status: 'Success' });
  });

  it('with a TTY: resizes reach the runtime, stderr is folded into stdout', async () => {
    await f.createPod('p');
    let release!: () => void;
    const done = new Promise<void>((r) => (release = r));
    f.runtime.execHandler = async (io) => {
      io.stderr.write('prompt$ ');
      await done;
      return 3;
    };
    const s = await open('/exec/default/p/main?command=sh&stdin=true&stdout=true&stderr=true&tty=true');
    s.send(4, JSON.stringify({ Width: 120, Height: 40 }));
    s.send(4, 'not json');
    s.send(4, JSON.stringify({ Width: 80, Height: 24 }));
    expect(await s.next(1)).toBe('prompt$ ');
    // The resize channel is read on its own: wait until both good messages arrived (the bad one is dropped).
    for (const end = Date.now() + 10_000; Date.now() < end && (f.runtime.execs[0]?.resizes.length ?? 0) < 2; ) await new Promise((r) => setTimeout(r, 5));
    expect(f.runtime.execs[0]?.opts.stderr).toBe(false);
    expect(f.runtime.execs[0]?.resizes).toEqual([
      { width: 120, height: 40 },
      { width: 80, height: 24 },
    ]);
    release();
    await s.closed;
    expect(status(s).details).toEqual({ causes: [{ reason: 'ExitCode', message: '3' }] });
  });

  it('speaks v4 to a client that offers it (the JS client offers v5 first)', async () => {
    await f.createPod('p');
    f.runtime.execHandler = (io) => (io.stdout.write('v4!'), 0);
    const s = await open('/exec/default/p/main?command=x&stdout=true', ['v4.channel.k8s.io', 'v3.channel.k8s.io']);
    expect(s.ws.protocol).toBe('v4.channel.k8s.io');
    await s.closed;
    expect(s.messages).toEqual([
      [1, 'v4!'],
      [3, '{"metadata":{},"status":"Success"}'],
    ]);
    const js = await open('/exec/default/p/main?command=x&stdout=true', ['v5.channel.k8s.io', 'v4.channel.k8s.io', 'channel.k8s.io']);
    expect(js.ws.protocol).toBe('v5.channel.k8s.io');
  });

  it('abandons the process when the client goes away', async () => {
    await f.createPod('p');
    let stdinEnded = false;
    f.runtime.execHandler = async (io) => {
      for await (const _ of io.stdin) void _;
      stdinEnded = true;
      return 0;
    };
    const s = await open('/exec/default/p/main?command=cat&stdin=true&stdout=true');
    s.ws.terminate();
    await expect.poll(() => stdinEnded).toBe(true);
  });

  it('reports a failure to start the command as an InternalError status', async () => {
    await f.createPod('p');
    f.runtime.execHandler = () => {
      throw new Error('exec: "nope": executable file not found in $PATH');
    };
    const s = await open('/exec/default/p/main?command=nope&stdout=true');
    await s.closed;
    expect(status(s)).toMatchObject({ status: 'Failure', reason: 'InternalError', message: expect.stringContaining('executable file not found') });
  });

  it('attaches to the main process and ends with Success when it exits', async () => {
    await f.createPod('p');
    const id = f.containersOf('p')[0]!.id;
    const s = await open('/attach/default/p/main?stdout=true&stderr=true');
    // Write once the attach reads the output (a line written before it would not reach it).
    while (f.runtime.followers(id) === 0) await new Promise((r) => setImmediate(r));
    f.runtime.write(id, 'tick');
    expect(await s.next(1)).toBe('tick\n');
    f.runtime.crash(id, 2);
    await s.closed;
    expect(status(s)).toEqual({ metadata: {}, status: 'Success' });
  });

  it.each([
    ['/exec/default/p/main?command=ls&stdout=true', null, ['v5.channel.k8s.io'], '401 Unauthorized'],
    ['/exec/default/nope/main?command=ls&stdout=true', TOKEN, ['v5.channel.k8s.io'], '404 pod "nope" not found in namespace "default"'],
    ['/exec/default/p/other?command=ls&stdout=true', TOKEN, ['v5.channel.k8s.io'], '400 container other is not valid for pod p'],
    ['/exec/default/p/main?stdout=true', TOKEN, ['v5.channel.k8s.io'], '400 you must specify at least one command'],
    ['/exec/default/p/main?command=ls', TOKEN, ['v5.channel.k8s.io'], '400 you must specify at least one of stdin, stdout, stderr'],
    ['/exec/default/p/main?command=ls&stdout=true', TOKEN, ['v3.channel.k8s.io'], '400 unsupported subprotocol'],
    ['/exec/default/p?command=ls&stdout=true', TOKEN, ['v5.channel.k8s.io'], '404 not found'],
  ])('refuses %s', async (path, token, protocols, message) => {
    await f.createPod('p');
    await expect(open(path, protocols, token)).rejects.toThrow(message);
  });

  it('refuses a container that is not running, and a SPDY upgrade, before upgrading', async () => {
    await f.createPod('w', { containers: [{ name: 'main', image: 'local/absent:1', imagePullPolicy: 'Never' }] });
    await expect(open('/exec/default/w/main?command=ls&stdout=true')).rejects.toThrow('400 container "main" in pod "w" is not running (ErrImageNeverPull)');
    await f.createPod('p');
    const spdy = (pod: string) =>
      new Promise<{ code: number; body: string }>((resolve) => {
        const req = request({ port: server.port, path: `/exec/default/${pod}/main?command=ls&stdout=true`, method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, Connection: 'Upgrade', Upgrade: 'SPDY/3.1' } });
        req.on('response', (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
        });
        req.end();
      });
    const r = await spdy('p');
    expect(r.code).toBe(400);
    expect(r.body).toContain('served over WebSocket only');
    // kubectl retries a refused WebSocket over SPDY and prints that answer: it must give the real reason.
    expect((await spdy('w')).body).toContain('container "main" in pod "w" is not running (ErrImageNeverPull)');
  });
});
