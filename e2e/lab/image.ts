import { existsSync, mkdirSync, rmSync, symlinkSync, copyFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { LabError, run } from './run.js';

export const LAB_IMAGE = 'local/busybox:1';

const APPLETS = [
  'sh', 'ls', 'cat', 'echo', 'sleep', 'httpd', 'nc', 'wget', 'ps', 'ip', 'hostname', 'true', 'false', 'env', 'id',
  'mkdir', 'rm', 'touch', 'kill', 'date', 'head', 'tail', 'grep', 'sed', 'ping', 'printf', 'test', 'wc', 'uname', 'ifconfig', 'nslookup',
];

function busyboxPath(): string {
  for (const p of ['/bin/busybox', '/usr/bin/busybox']) if (existsSync(p)) return p;
  throw new LabError('busybox not found: install busybox-static (apt-get install -y busybox-static)');
}

/** A root file system tar of the static busybox with its usual applets; built once per lab dir. */
export async function rootfsTar(dir: string): Promise<string> {
  const tar = join(dir, 'busybox-rootfs.tar');
  if (existsSync(tar)) return tar;
  const root = join(dir, 'busybox-rootfs');
  rmSync(root, { recursive: true, force: true });
  for (const d of ['bin', 'tmp', 'etc', 'www']) mkdirSync(join(root, d), { recursive: true });
  copyFileSync(busyboxPath(), join(root, 'bin', 'busybox'));
  for (const a of APPLETS) symlinkSync('busybox', join(root, 'bin', a));
  writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n');
  writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  const tmp = `${tar}.tmp`;
  await run('tar', ['-C', root, '-c', '-f', tmp, '.']);
  renameSync(tmp, tar);
  rmSync(root, { recursive: true, force: true });
  return tar;
}

/** Imports the image into one engine unless it is already there. */
export async function importImage(dockerSocket: string, tar: string): Promise<void> {
  const host = ['-H', `unix://${dockerSocket}`];
  if ((await run('docker', [...host, 'image', 'inspect', LAB_IMAGE], { allowFail: true })).code === 0) return;
  await run('docker', [...host, 'import', tar, LAB_IMAGE]);
}
