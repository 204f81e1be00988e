import Docker from 'dockerode';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, copyFileSync, rmSync, symlinkSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

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
