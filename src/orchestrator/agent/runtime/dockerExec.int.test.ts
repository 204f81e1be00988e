import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../testing/images.js';
import { DockerRuntime } from './docker.js';
import { LABELS, type ExecProcess } from './types.js';

// Everything this suite creates carries this node label, and only that is removed afterwards.
const NODE = `agent-exec-it-${randomBytes(4).toString('hex')}`;
const rt = new DockerRuntime();
let id: string;

async function collect(p: ExecProcess): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  p.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  p.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const code = await p.wait();
  return { out, err, code };
}

beforeAll(async () => {
  await ensureBusyboxImage();
  id = await rt.create({ name: `${NODE}-main`, image: BUSYBOX_IMAGE, entrypoint: ['sh', '-c'], cmd: ['echo started; exec sleep 3600'], labels: { [LABELS.managed]: 'true', [LABELS.node]: NODE } });
  await rt.start(id);
});
afterAll(async () => {
  for (const c of await rt.list({ [LABELS.node]: NODE })) await rt.remove(c.id);
});

describe('DockerRuntime exec and attach (real engine)', () => {
  it('runs a command with separate stdout and stderr and reports its exit code', async () => {
    const p = await rt.exec(id, { cmd: ['sh', '-c', 'echo out; echo err >&2; exit 7'], stdin: false, stdout: true, stderr: true, tty: false });
    expect(await collect(p)).toEqual({ out: 'out\n', err: 'err\n', code: 7 });
  });

  it('feeds stdin and closes it on end()', async () => {
    const p = await rt.exec(id, { cmd: ['cat'], stdin: true, stdout: true, stderr: true, tty: false });
    const r = collect(p);
    p.stdin?.write('hello ');
    p.stdin?.end('world');
    expect(await r).toEqual({ out: 'hello world', err: '', code: 0 });
  });

  it('runs under a TTY that follows resize', async () => {
    const p = await rt.exec(id, { cmd: ['sh'], stdin: true, stdout: true, stderr: false, tty: true });
    expect(p.stderr).toBeUndefined();
    const r = collect(p);
    await p.resize(101, 33);
    p.stdin?.write('stty size; exit 4\n');
    const got = await r;
    expect(got.out).toContain('33 101');
    expect(got.code).toBe(4);
  });

  it("shows the engine's message when the executable does not exist", async () => {
    const got = await collect(await rt.exec(id, { cmd: ['no-such-binary'], stdin: false, stdout: true, stderr: true, tty: false }));
    // The engine writes its error into the exec's output (as a stdout frame).
    expect(got.out + got.err).toContain('executable file not found');
    expect([126, 127]).toContain(got.code);
  });

  it('refuses a stopped container', async () => {
    const other = await rt.create({ name: `${NODE}-stopped`, image: BUSYBOX_IMAGE, cmd: ['true'], labels: { [LABELS.managed]: 'true', [LABELS.node]: NODE } });
    await expect(rt.exec(other, { cmd: ['true'], stdin: false, stdout: true, stderr: true, tty: false })).rejects.toThrow();
    await expect(rt.attach(other, { stdin: false, stdout: true, stderr: true })).rejects.toThrow(/not running/);
  });

  it('attaches to the main process output', async () => {
    const tick = await rt.create({ name: `${NODE}-tick`, image: BUSYBOX_IMAGE, entrypoint: ['sh', '-c'], cmd: ['while true; do echo tick; sleep 0.2; done'], labels: { [LABELS.managed]: 'true', [LABELS.node]: NODE } });
    await rt.start(tick);
    const p = await rt.attach(tick, { stdin: false, stdout: true, stderr: true });
    let out = '';
    p.stdout?.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr?.resume(); // wait() needs every requested stream read to its end
    await expect.poll(() => (out.match(/tick/g) ?? []).length, { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    await rt.stop(tick, 0);
    expect(await p.wait()).toBe(137);
  });
});
