import Docker from 'dockerode';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, copyFileSync, rmSync, symlinkSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { elfExecutable, oneFileRootfs } from '../net/elf.js';
import { DockerRuntime } from '../runtime/docker.js';

/** The test image every suite uses: a static busybox, built locally (no registry is reachable). */
export const BUSYBOX_IMAGE = 'local/busybox:1';

const APPLETS = ['sh', 'ls', 'cat', 'echo', 'sleep', 'httpd', 'nc', 'wget', 'ps', 'ip', 'hostname', 'env', 'true', 'false', 'kill', 'date', 'printf', 'seq', 'id', 'mkdir', 'rm', 'touch', 'grep', 'head', 'tail', 'wc', 'ifconfig', 'ping', 'nslookup', 'uname', 'top', 'tar', 'md5sum', 'cut'];

/** Names the applet set in an image label, so an image built with an older set is rebuilt. */
const CONTENT_LABEL = 'io.skiff.test-image';
const CONTENT = createHash('sha256').update(APPLETS.join(',')).digest('hex').slice(0, 12);

const building = new Map<string, Promise<void>>();

/**
 * Makes sure `local/busybox:1` exists on the engine at `socketPath`, importing a rootfs of the host's
 * static busybox (`/bin/busybox`) when it does not (or holds an older applet set). Idempotent and safe to call from several suites
 * at once (a concurrent import by another process just retags the same content).
 */
export function ensureBusyboxImage(socketPath = '/var/run/docker.sock', tag = BUSYBOX_IMAGE): Promise<void> {
  const key = `${socketPath} ${tag}`;
  let p = building.get(key);
  if (!p) {
    p = build(new Docker({ socketPath }), tag).finally(() => building.delete(key));
    building.set(key, p);
  }
  return p;
}

async function build(docker: Docker, tag: string): Promise<void> {
  try {
    const image = await docker.getImage(tag).inspect();
    if (image.Config?.Labels?.[CONTENT_LABEL] === CONTENT) return;
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 404) throw e;
  }
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  if (!busybox) throw new Error('cannot build the test image: no static busybox at /bin/busybox (apt-get install busybox-static)');
  const root = mkdtempSync(join(tmpdir(), 'skiff-busybox-'));
  try {
    mkdirSync(join(root, 'bin'));
    mkdirSync(join(root, 'tmp'));
    mkdirSync(join(root, 'www'));
    copyFileSync(busybox, join(root, 'bin', 'busybox'));
    chmodSync(join(root, 'bin', 'busybox'), 0o755);
    for (const a of APPLETS) symlinkSync('busybox', join(root, 'bin', a));
    const tar = spawn('tar', ['-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const [repo, version] = splitTag(tag);
    const progress = await docker.importImage(tar.stdout as Readable, { repo, tag: version, changes: ['ENV PATH=/bin', 'CMD ["sh"]', `LABEL ${CONTENT_LABEL}=${CONTENT}`] });
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(progress, (err: Error | null) => (err ? reject(err) : resolve())));
    const code = await new Promise<number | null>((r) => (tar.exitCode !== null ? r(tar.exitCode) : tar.on('close', r)));
    if (code !== 0) throw new Error(`tar exited with ${code}`);
    await docker.getImage(tag).inspect();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function splitTag(tag: string): [string, string] {
  const i = tag.lastIndexOf(':');
  return i > tag.lastIndexOf('/') ? [tag.slice(0, i), tag.slice(i + 1)] : [tag, 'latest'];
}

/**
 * A UDP echo server for tests (busybox's `nc` has no UDP and Debian's static busybox no udpsvd):
 * `/udp-echo` binds 0.0.0.0:5005 and sends every datagram back to its sender. A static x86_64
 * program, assembled with GNU as from: socket(AF_INET, SOCK_DGRAM); bind(:5005); loop
 * { n = recvfrom(buf, &peer); sendto(buf, n, &peer) }; exit(1) when socket or bind fails.
 */
export const UDP_ECHO_IMAGE = 'local/udp-echo:1';
export const UDP_ECHO_PORT = 5005;
const UDP_ECHO = [
  0xbf, 0x02, 0x00, 0x00, 0x00, 0xbe, 0x02, 0x00, 0x00, 0x00, 0x31, 0xd2, 0xb8, 0x29, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x85, 0xc0, 0x0f, 0x88, 0x84,
  0x00, 0x00, 0x00, 0x49, 0x89, 0xc4, 0x48, 0x81, 0xec, 0x30, 0x08, 0x00, 0x00, 0xc7, 0x04, 0x24, 0x02, 0x00, 0x13, 0x8d, 0xc7, 0x44, 0x24, 0x04,
  0x00, 0x00, 0x00, 0x00, 0x48, 0xc7, 0x44, 0x24, 0x08, 0x00, 0x00, 0x00, 0x00, 0x4c, 0x89, 0xe7, 0x48, 0x89, 0xe6, 0xba, 0x10, 0x00, 0x00, 0x00,
  0xb8, 0x31, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x85, 0xc0, 0x75, 0x4c, 0xc7, 0x44, 0x24, 0x10, 0x10, 0x00, 0x00, 0x00, 0x4c, 0x89, 0xe7, 0x48, 0x8d,
  0x74, 0x24, 0x20, 0xba, 0x00, 0x08, 0x00, 0x00, 0x45, 0x31, 0xd2, 0x49, 0x89, 0xe0, 0x4c, 0x8d, 0x4c, 0x24, 0x10, 0xb8, 0x2d, 0x00, 0x00, 0x00,
  0x0f, 0x05, 0x48, 0x85, 0xc0, 0x78, 0xd4, 0x48, 0x89, 0xc2, 0x4c, 0x89, 0xe7, 0x48, 0x8d, 0x74, 0x24, 0x20, 0x45, 0x31, 0xd2, 0x49, 0x89, 0xe0,
  0x41, 0xb9, 0x10, 0x00, 0x00, 0x00, 0xb8, 0x2c, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xeb, 0xb4, 0xbf, 0x01, 0x00, 0x00, 0x00, 0xb8, 0x3c, 0x00, 0x00,
  0x00, 0x0f, 0x05,
];

const udpBuilding = new Map<string, Promise<void>>();

/** Makes sure the engine at `socketPath` has `local/udp-echo:1` (imported from the program above). */
export function ensureUdpEchoImage(socketPath = '/var/run/docker.sock'): Promise<void> {
  let p = udpBuilding.get(socketPath);
  if (!p) {
    p = (async () => {
      const rt = new DockerRuntime({ socketPath });
      if (await rt.imageId(UDP_ECHO_IMAGE)) return;
      await rt.importImage(await oneFileRootfs('udp-echo', elfExecutable('x86_64', UDP_ECHO)), UDP_ECHO_IMAGE);
    })().finally(() => udpBuilding.delete(socketPath));
    udpBuilding.set(socketPath, p);
  }
  return p;
}
