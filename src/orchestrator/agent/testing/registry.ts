import Docker from 'dockerode';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from '../../testing/eventually.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage } from './images.js';

/** The Debian tools a test registry needs (`apt-get install -y docker-registry apache2-utils`). */
export const REGISTRY_TOOLS = ['/usr/bin/docker-registry', '/usr/bin/htpasswd'];

/** The registry tools not installed here; a test that needs them must skip loudly naming them. */
export function missingRegistryTools(): string[] {
  return REGISTRY_TOOLS.filter((t) => !existsSync(t));
}

/** A running private registry for tests. */
export interface TestRegistry {
  /** `127.0.0.1:PORT`: the registry host, as image references and Docker config JSON name it. */
  host: string;
  user: string;
  password: string;
  /** A Secret's `data` for type `kubernetes.io/dockerconfigjson` with `password` (default: the right one). */
  dockerConfigData(password?: string): Record<string, string>;
  /**
   * Pushes a locally built image of `layers` extra layers of random bytes (`layerBytes` each, on top
   * of the busybox test image) as `repo:tag`, then removes it from this engine so a pull must
   * really download it. Returns the full reference.
   */
  pushImage(repo: string, layers?: number, layerBytes?: number): Promise<string>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function follow(docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
      const failed = out?.find((o) => o.error);
      if (err || failed) reject(err ?? new Error(failed?.error));
      else resolve();
    }),
  );
}

/**
 * Starts Debian's `docker-registry` (distribution 2.8) on 127.0.0.1 with htpasswd (bcrypt, made by
 * apache2-utils' `htpasswd`) basic auth, over plain HTTP: dockerd treats registries on 127.0.0.0/8
 * as insecure by default, so no certificate is needed. Its storage is a temp dir removed by `stop()`.
 */
export async function startTestRegistry(socketPath = '/var/run/docker.sock'): Promise<TestRegistry> {
  const missing = missingRegistryTools();
  if (missing.length) throw new Error(`cannot start a test registry: ${missing.join(', ')} not installed`);
  const docker = new Docker({ socketPath });
  const dir = mkdtempSync(join(tmpdir(), 'skiff-registry-'));
  const user = 'skiff';
  const password = randomBytes(12).toString('hex');
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  writeFileSync(join(dir, 'htpasswd'), execFileSync('htpasswd', ['-Bbn', user, password]));
  writeFileSync(
    join(dir, 'config.yml'),
    ['version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'data')}`, 'http:', `  addr: ${host}`, 'auth:', '  htpasswd:', '    realm: skiff-test', `    path: ${join(dir, 'htpasswd')}`, ''].join('\n'),
  );
  const proc: ChildProcess = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  const pushed: string[] = [];
  const stop = async () => {
    for (const image of pushed) await docker.getImage(image).remove({ force: true }).catch(() => undefined);
    if (proc.exitCode === null) {
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill();
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await eventually('the test registry', async () => (await fetch(`http://${host}/v2/`)).status === 401, 60_000);
  } catch (e) {
    await stop();
    throw e;
  }
  const auth = (pw: string) => ({ username: user, password: pw, auth: Buffer.from(`${user}:${pw}`).toString('base64') });
  return {
    host,
    user,
    password,
    dockerConfigData: (pw = password) => ({ '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { [host]: auth(pw) } })).toString('base64') }),
    async pushImage(repo, layers = 0, layerBytes = 4 << 20) {
      await ensureBusyboxImage(socketPath);
      const tag = randomBytes(3).toString('hex');
      const image = `${host}/${repo}:${tag}`;
      let from = BUSYBOX_IMAGE;
      // Each layer: a container writes incompressible bytes, committed as the next image.
      for (let i = 0; i < layers; i++) {
        const c = await docker.createContainer({ Image: from, Cmd: ['sh', '-c', `head -c ${layerBytes} /dev/urandom > /layer-${i}`], name: `skiff-registry-layer-${tag}-${i}` });
        try {
          await c.start();
          const { StatusCode } = (await c.wait()) as { StatusCode: number };
          if (StatusCode !== 0) throw new Error(`building layer ${i} exited ${StatusCode}`);
          const step = `skiff-registry-build/${repo}:${tag}-${i}`;
          await c.commit({ repo: step.slice(0, step.lastIndexOf(':')), tag: step.slice(step.lastIndexOf(':') + 1) });
          if (from !== BUSYBOX_IMAGE) await docker.getImage(from).remove().catch(() => undefined);
          from = step;
        } finally {
          await c.remove({ force: true });
        }
      }
      await docker.getImage(from).tag({ repo: `${host}/${repo}`, tag });
      if (from !== BUSYBOX_IMAGE) await docker.getImage(from).remove().catch(() => undefined);
      pushed.push(image);
      await follow(docker, await docker.getImage(image).push({ authconfig: { username: user, password, serveraddress: host } }));
      // Forget it here: whoever needs it has to pull it back.
      await docker.getImage(image).remove();
      return image;
    },
    stop,
  };
}
