import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, destroyLab, LAB_IMAGE, type Lab, type LabHost } from './lab.js';
import { acquireLabLock } from './lock.js';
import { sshBanner } from './host.js';
import { isAlive, readPid, run } from './run.js';

const DIR = '/tmp/skiff-lab-test';

/** Runs one command on a lab host over SSH (the ssh2 library, as the provisioner does). */
function sshExec(lab: Lab, host: LabHost, command: string): Promise<{ code: number; out: string; hostKey: string }> {
  return new Promise((resolve, reject) => {
    const c = new Client();
    let hostKey = '';
    c.on('ready', () => {
      c.exec(command, (err, stream) => {
        if (err) return reject(err);
        let out = '';
        stream.on('data', (d: Buffer) => (out += d.toString()));
        stream.stderr.on('data', (d: Buffer) => (out += d.toString()));
        stream.on('close', (code: number) => {
          c.end();
          resolve({ code, out: out.trim(), hostKey });
        });
      });
    });
    c.on('error', reject);
    c.connect({
      host: host.ip,
      port: host.sshPort,
      username: lab.user,
      privateKey: readFileSync(lab.keyPath),
      readyTimeout: 10_000,
      hostVerifier: (key: Buffer) => {
        hostKey = key.toString('base64');
        return true;
      },
    });
  });
}

async function labLeftovers(): Promise<string[]> {
  const left: string[] = [];
  const ns = (await run('ip', ['netns', 'list'])).stdout;
  if (/^w[12](\s|$)/m.test(ns)) left.push(`netns: ${ns.trim()}`);
  if ((await run('ip', ['link', 'show', 'lab0'], { allowFail: true })).code === 0) left.push('bridge lab0');
  if ((await run('iptables', ['-C', 'FORWARD', '-i', 'lab0', '-o', 'lab0', '-j', 'ACCEPT'], { allowFail: true })).code === 0) left.push('FORWARD rule');
  for (const p of ['/run/docker-w1.sock', '/run/docker-w2.sock', '/var/lib/docker-w1', '/var/lib/docker-w2', '/run/docker-w1', DIR]) if (existsSync(p)) left.push(p);
  for (const c of ['', ...readdirSync('/sys/fs/cgroup')]) for (const n of ['lab-w1', 'lab-w2']) if (existsSync(join('/sys/fs/cgroup', c, n))) left.push(join('/sys/fs/cgroup', c, n));
  if (existsSync('/root/.ssh/authorized_keys') && readFileSync('/root/.ssh/authorized_keys', 'utf8').includes('skiff-lab-key')) left.push('lab key in authorized_keys');
  return left;
}

describe('lab', () => {
  // Held for the whole file (createLab shares it): the leftover checks look at machine-wide names,
  // which another process's lab could take the moment ours is gone.
  let release: () => void = () => {};
  beforeAll(async () => {
    release = await acquireLabLock();
  }, 900_000);
  afterAll(async () => {
    await destroyLab(DIR);
    release();
  });

  it('creates hosts with their own hostname, engine, sshd and host key; partitions, stops and removes them', async () => {
    const lab = await createLab({ hosts: 2, dir: DIR });
    expect(lab.hosts.map((h) => [h.name, h.ip, h.dockerSocket])).toEqual([
      ['lab-w1', '10.77.0.11', '/run/docker-w1.sock'],
      ['lab-w2', '10.77.0.12', '/run/docker-w2.sock'],
    ]);
    const keys: string[] = [];
    for (const h of lab.hosts) {
      const r = await sshExec(lab, h, `hostname; docker info --format '{{.Name}} {{.DockerRootDir}}'; docker image inspect --format ok ${LAB_IMAGE}`);
      expect(r.code).toBe(0);
      expect(r.out.split('\n')).toEqual([h.name, `${h.name} /var/lib/docker-w${h.index}`, 'ok']);
      keys.push(r.hostKey);
    }
    expect(keys[0]).not.toBe(keys[1]);

    // A container on a host answers inside the host; the machine has no route to it (pod routes are Skiff's job).
    await lab.dockerOn('lab-w1', ['run', '-d', '--name', 'lab-test-web', LAB_IMAGE, 'sh', '-c', 'mkdir -p /www && echo hello-w1 > /www/index.html && httpd -f -p 80 -h /www']);
    const ip = (await lab.dockerOn('lab-w1', ['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'lab-test-web'])).stdout.trim();
    let body = '';
    for (let i = 0; i < 20 && !body.includes('hello-w1'); i++) {
      body = (await run('ip', ['netns', 'exec', 'w1', 'busybox', 'wget', '-qO-', `http://${ip}/`], { allowFail: true })).stdout;
      if (!body) await new Promise((r) => setTimeout(r, 100));
    }
    expect(body).toContain('hello-w1');
    expect((await run('ip', ['route', 'get', ip])).stdout).not.toContain('10.77.0.11');
    // Each engine is its own: w2 does not see w1's container.
    expect((await lab.dockerOn('lab-w2', ['ps', '-aq'])).stdout.trim()).toBe('');

    await lab.partition('lab-w1');
    expect(await sshBanner('10.77.0.11')).toBe(false);
    await lab.heal('lab-w1');
    expect(await sshBanner('10.77.0.11')).toBe(true);

    const enginePid = readPid('/run/docker-w2.pid');
    await lab.stopHost('lab-w2');
    expect(await sshBanner('10.77.0.12')).toBe(false);
    expect(enginePid !== undefined && isAlive(enginePid)).toBe(false);
    await lab.startHost('lab-w2');
    expect((await sshExec(lab, lab.hosts[1] as LabHost, 'docker info --format {{.Name}}')).out).toBe('lab-w2');

    const pids = [readPid('/run/docker-w1.pid'), readPid('/run/sshd-w1.pid'), readPid('/run/docker-w2.pid'), readPid('/run/sshd-w2.pid')];
    await lab.dispose();
    expect(await labLeftovers()).toEqual([]);
    for (const p of pids) expect(p !== undefined && isAlive(p)).toBe(false);
  });

  it('cleans up after a crashed run, and can make a host lack Docker or have an old Node.js', async () => {
    const first = await createLab({ hosts: 2, dir: DIR });
    const crashed = readPid('/run/docker-w1.pid') as number;
    // A crash: the test process dies and leaves the lab behind; a new `up` must start clean.
    process.kill(crashed, 'SIGKILL');
    const lab = await createLab({ hosts: 2, dir: DIR, hostOptions: { 'lab-w2': { docker: false, fakeNodeVersion: 'v18.19.0' } } });
    expect(first.keyPath).toBe(lab.keyPath);
    const [w1, w2] = lab.hosts as [LabHost, LabHost];
    expect((await sshExec(lab, w1, 'node --version')).out).toBe(process.version);
    expect((await sshExec(lab, w1, 'docker info --format {{.Name}}')).out).toBe('lab-w1');
    expect((await sshExec(lab, w2, 'node --version')).out).toBe('v18.19.0');
    const docker = await sshExec(lab, w2, 'docker version --format {{.Server.Version}}');
    expect(docker.code).not.toBe(0);
    expect(docker.out).toMatch(/Cannot connect to the Docker daemon|connection refused|not a socket/i);
    await lab.dispose();
    expect(await labLeftovers()).toEqual([]);
  });
});
