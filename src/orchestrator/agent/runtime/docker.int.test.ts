import Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../testing/images.js';
import { DockerRuntime, normalizeImageRef } from './docker.js';
import { LABELS, type RuntimeEvent } from './types.js';

// Everything this suite creates carries this node label, and only that is removed afterwards.
const NODE = `agent-rt-it-${randomBytes(4).toString('hex')}`;
const labels = (extra: Record<string, string> = {}) => ({ [LABELS.managed]: 'true', [LABELS.node]: NODE, ...extra });
const rt = new DockerRuntime();
const docker = new Docker();

async function readAll(s: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const c of s) out += (c as Buffer).toString();
  return out;
}

async function until<T>(fn: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  await ensureBusyboxImage();
});
afterAll(async () => {
  for (const c of await rt.list({ [LABELS.node]: NODE })) await rt.remove(c.id);
});

describe('DockerRuntime (real engine)', () => {
  it('creates and starts a container with env, command, limits, ports and labels', async () => {
    const id = await rt.create({
      name: `${NODE}-main`,
      image: BUSYBOX_IMAGE,
      env: ['GREETING=hello world'],
      entrypoint: ['sh', '-c'],
      cmd: ['echo "$GREETING"; echo oops >&2; exec sleep 3600'],
      exposedPorts: [{ port: 8080, protocol: 'tcp' }],
      labels: labels({ [LABELS.containerName]: 'main' }),
      nanoCpus: 250_000_000,
      memoryBytes: 32 * 1024 * 1024,
      hostname: 'mypod',
    });
    await rt.start(id);
    const raw = await docker.getContainer(id).inspect();
    expect(raw.Config.Env).toContain('GREETING=hello world');
    expect(raw.Config.Entrypoint).toEqual(['sh', '-c']);
    expect(raw.Config.Hostname).toBe('mypod');
    expect(Object.keys(raw.Config.ExposedPorts ?? {})).toEqual(['8080/tcp']);
    expect(raw.HostConfig.NanoCpus).toBe(250_000_000);
    expect(raw.HostConfig.Memory).toBe(32 * 1024 * 1024);
    expect(raw.HostConfig.RestartPolicy?.Name).toBe('no');

    const d = (await rt.inspect(id))!;
    expect(d).toMatchObject({ running: true, state: 'running', name: `${NODE}-main`, image: BUSYBOX_IMAGE });
    expect(d.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(d.imageId).toMatch(/^sha256:/);
    expect(d.startedAt).toBeGreaterThan(Date.now() - 60_000);
    expect(d.finishedAt).toBeUndefined();

    const listed = await rt.list(labels({ [LABELS.containerName]: 'main' }));
    expect(listed.map((c) => c.id)).toEqual([id]);

    // Docker's 8-byte frame headers are gone; stdout and stderr are merged.
    const logs = await until(async () => {
      const s = await readAll(await rt.logs(id, {}));
      return s.includes('oops') ? s : undefined;
    });
    expect(logs.split('\n').sort()).toEqual(['', 'hello world', 'oops']);
    expect(await readAll(await rt.logs(id, { tail: 1, timestamps: true }))).toMatch(/^\d{4}-\d\d-\d\dT\S+Z (hello world|oops)\n$/);
  });

  it('joins another container network (pod networking) and reports no own IP', async () => {
    const owner = await rt.create({ name: `${NODE}-owner`, image: BUSYBOX_IMAGE, cmd: ['sh', '-c', 'exec httpd -f -p 8081 -h /www'], labels: labels(), hostname: 'pod' });
    await rt.start(owner);
    const joiner = await rt.create({ name: `${NODE}-joiner`, image: BUSYBOX_IMAGE, cmd: ['sleep', '3600'], labels: labels(), networkMode: `container:${owner}`, exposedPorts: [{ port: 1, protocol: 'tcp' }], hostname: 'ignored' });
    await rt.start(joiner);
    const j = (await rt.inspect(joiner))!;
    expect(j.networkMode).toBe(`container:${owner}`);
    expect(j.ip).toBeUndefined();
    // localhost is shared: the joiner reaches the owner's server on 127.0.0.1.
    const exec = await docker.getContainer(joiner).exec({ Cmd: ['sh', '-c', 'echo | nc 127.0.0.1 8081 >/dev/null && echo reachable'], AttachStdout: true, AttachStderr: true });
    const out = await readAll(await exec.start({}));
    expect(out).toContain('reachable');
  });

  it('stops with a grace period, reports the exit, removes, and treats missing containers as no-ops', async () => {
    const id = await rt.create({ name: `${NODE}-stop`, image: BUSYBOX_IMAGE, cmd: ['sh', '-c', 'trap "exit 3" TERM; while true; do sleep 0.1; done'], labels: labels() });
    await rt.start(id);
    await rt.start(id); // no-op on a running container
    await new Promise((r) => setTimeout(r, 300));
    await rt.stop(id, 5);
    const d = (await rt.inspect(id))!;
    expect(d).toMatchObject({ running: false, state: 'exited', exitCode: 3 });
    expect(d.finishedAt).toBeGreaterThanOrEqual(d.startedAt!);
    await rt.stop(id, 1); // already stopped
    await rt.remove(id);
    expect(await rt.inspect(id)).toBeUndefined();
    await rt.remove(id);
    await rt.stop(id, 1);
  });

  it('leaves a container that cannot start in state created with the engine error', async () => {
    const id = await rt.create({ name: `${NODE}-bad`, image: BUSYBOX_IMAGE, entrypoint: ['/no/such/binary'], labels: labels() });
    await expect(rt.start(id)).rejects.toThrow(/no such file|not found/i);
    const d = (await rt.inspect(id))!;
    expect(d.running).toBe(false);
    expect(d.error).toMatch(/no such file|not found/i);
    expect(['created', 'exited']).toContain(d.state);
  });

  it('knows which images are present, and reports pull failures', async () => {
    expect(await rt.imageId(BUSYBOX_IMAGE)).toMatch(/^sha256:/);
    expect(await rt.imageId('local/skiff-no-such-image:0')).toBeUndefined();
    await expect(rt.pull('127.0.0.1:1/skiff/none:1')).rejects.toThrow();
    expect(normalizeImageRef('busybox')).toBe('busybox:latest');
    expect(normalizeImageRef('localhost:5000/app')).toBe('localhost:5000/app:latest');
    expect(normalizeImageRef('app@sha256:abc')).toBe('app@sha256:abc');
  });

  it('describes the engine', async () => {
    const info = await rt.info();
    expect(info.ncpu).toBeGreaterThan(0);
    expect(info.memTotalBytes).toBeGreaterThan(0);
    expect(info.osType).toBe('linux');
    expect(info.serverVersion).toMatch(/^\d+\./);
    expect(info.kernelVersion).not.toBe('');
    expect(info.hostname).not.toBe('');
  });

  it('delivers container events for its labels only', async () => {
    const seen: RuntimeEvent[] = [];
    const sub = rt.events(labels(), (e) => seen.push(e));
    await new Promise((r) => setTimeout(r, 300));
    const id = await rt.create({ name: `${NODE}-ev`, image: BUSYBOX_IMAGE, cmd: ['true'], labels: labels({ [LABELS.podName]: 'evpod' }) });
    await rt.start(id);
    await until(async () => (seen.some((e) => e.containerId === id && e.action === 'die') ? true : undefined));
    sub.dispose();
    const ev = seen.find((e) => e.action === 'die')!;
    expect(ev.labels[LABELS.podName]).toBe('evpod');
    expect(seen.every((e) => e.labels[LABELS.node] === NODE)).toBe(true);
    expect((await rt.inspect(id))!.exitCode).toBe(0);
  });
});
