import { BUSYBOX_IMAGE, ensureBusyboxImage } from '../../src/orchestrator/agent/testing/images.js';

/** Makes sure an engine has the test image (built locally: no registry is reachable). */
export async function ensureBusybox(dockerSocket = '/var/run/docker.sock'): Promise<string> {
  await ensureBusyboxImage(dockerSocket);
  return BUSYBOX_IMAGE;
}
