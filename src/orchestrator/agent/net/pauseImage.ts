import type { Runtime } from '../runtime/types.js';
import { elfExecutable, engineArchitecture, oneFileRootfs, words, type Arch } from './elf.js';

/**
 * The image of every pod's sandbox container: one static executable, `/pause`, that blocks forever
 * and holds the pod's network namespace (what Kubernetes' `pause` image does).
 *
 * It is built on the host itself, never pulled: a host may reach no registry, and the program is
 * small enough to write out here. `docker import` of a one-file tar makes the image; the tag names
 * the program's version, so a changed program gets a new tag.
 */
export const PAUSE_IMAGE = 'skiff/pause:1';

/** The sandbox's command line (an imported image has no CMD of its own). */
export const PAUSE_COMMAND = ['/pause'];

/**
 * Machine code of the pause loop, per architecture. Signals with a default action do not reach a
 * pid-namespace init, so the loop never ends by itself; the agent removes the sandbox with SIGKILL.
 */
const PROGRAMS: Record<Arch, number[]> = {
  x86_64: [
    0xb8, 0x22, 0x00, 0x00, 0x00, // loop: mov eax, 34 (pause)
    0x0f, 0x05, //                         syscall
    0xeb, 0xf7, //                         jmp loop
  ],
  // No pause(2) here: ppoll(NULL, 0, NULL, NULL) blocks the same way. Hand-assembled and
  // structure-checked by the unit test, but not yet run on an arm64 host.
  aarch64: words([
    0xd2800000, // loop: mov x0, #0
    0xd2800001, //       mov x1, #0
    0xd2800002, //       mov x2, #0
    0xd2800003, //       mov x3, #0
    0xd2800928, //       mov x8, #73 (ppoll)
    0xd4000001, //       svc #0
    0x17fffffa, //       b loop
  ]),
};

/** Maps an engine's architecture name (`x86_64`, `amd64`, `aarch64`, `arm64`) to ours. */
export function pauseArchitecture(engineArch: string): Arch {
  return engineArchitecture(engineArch);
}

/** The static `/pause` executable. */
export function pauseExecutable(arch: Arch): Buffer {
  return elfExecutable(arch, PROGRAMS[arch]);
}

/** The image's root filesystem: a tar holding `/pause`. */
export function pauseRootfs(arch: Arch): Promise<Buffer> {
  return oneFileRootfs('pause', pauseExecutable(arch));
}

/**
 * Makes sure the engine has `PAUSE_IMAGE`, importing it when missing. Concurrent callers share one
 * import.
 */
export class PauseImage {
  private pending: Promise<string> | undefined;

  constructor(private readonly runtime: Runtime) {}

  ensure(): Promise<string> {
    this.pending ??= this.load().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async load(): Promise<string> {
    if (await this.runtime.imageId(PAUSE_IMAGE)) return PAUSE_IMAGE;
    const arch = pauseArchitecture((await this.runtime.info()).architecture);
    await this.runtime.importImage(await pauseRootfs(arch), PAUSE_IMAGE);
    return PAUSE_IMAGE;
  }
}
