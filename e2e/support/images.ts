import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { importImage, LAB_IMAGE, rootfsTar } from '../lab/image.js';

const run = promisify(execFile);

/**
 * Makes sure the local engine has the test image (a busybox rootfs imported with `docker import`:
 * no registry is reachable here). Idempotent.
 */
export async function ensureBusybox(dockerSocket = '/var/run/docker.sock'): Promise<string> {
  try {
    await run('docker', ['-H', `unix://${dockerSocket}`, 'image', 'inspect', LAB_IMAGE]);
    return LAB_IMAGE;
  } catch {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-image-'));
    try {
      await importImage(dockerSocket, await rootfsTar(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return LAB_IMAGE;
  }
}
