import { pack } from 'tar-stream';
import type { Runtime } from '../runtime/types.js';

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
const PROGRAMS: Record<'x86_64' | 'aarch64', { machine: number; code: number[] }> = {
  x86_64: {
    machine: 62, // EM_X86_64
    code: [
      0xb8, 0x22, 0x00, 0x00, 0x00, // loop: mov eax, 34 (pause)
      0x0f, 0x05, //                         syscall
      0xeb, 0xf7, //                         jmp loop
    ],
  },
  aarch64: {
    // EM_AARCH64; no pause(2) here: ppoll(NULL, 0, NULL, NULL) blocks the same way. Hand-assembled
    // and structure-checked by the unit test, but not yet run on an arm64 host.
    machine: 183,
    code: words([
      0xd2800000, // loop: mov x0, #0
      0xd2800001, //       mov x1, #0
      0xd2800002, //       mov x2, #0
      0xd2800003, //       mov x3, #0
      0xd2800928, //       mov x8, #73 (ppoll)
      0xd4000001, //       svc #0
      0x17fffffa, //       b loop
    ]),
  },
};

function words(ws: number[]): number[] {
  const b = Buffer.alloc(ws.length * 4);
  ws.forEach((w, i) => b.writeUInt32LE(w, i * 4));
  return [...b];
}

/** Maps an engine's architecture name (`x86_64`, `amd64`, `aarch64`, `arm64`) to ours. */
export function pauseArchitecture(engineArch: string): keyof typeof PROGRAMS {
  const a = engineArch.toLowerCase();
  if (a === 'x86_64' || a === 'amd64') return 'x86_64';
  if (a === 'aarch64' || a === 'arm64') return 'aarch64';
  throw new Error(`pod sandboxes are supported on x86_64 and aarch64 hosts; this Docker engine reports architecture "${engineArch}"`);
}

const BASE = 0x400000;
const EHDR = 64;
const PHDR = 56;

/** A complete static ELF64 executable: one header, one loadable segment (headers + code), no sections. */
export function pauseExecutable(arch: keyof typeof PROGRAMS): Buffer {
  const { machine, code } = PROGRAMS[arch];
  const size = EHDR + PHDR + code.length;
  const b = Buffer.alloc(size);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2 /* 64-bit */, 1 /* little-endian */, 1 /* version */], 0);
  b.writeUInt16LE(2, 16); // e_type: ET_EXEC
  b.writeUInt16LE(machine, 18);
  b.writeUInt32LE(1, 20); // e_version
  b.writeBigUInt64LE(BigInt(BASE + EHDR + PHDR), 24); // e_entry
  b.writeBigUInt64LE(BigInt(EHDR), 32); // e_phoff
  b.writeBigUInt64LE(0n, 40); // e_shoff
  b.writeUInt32LE(0, 48); // e_flags
  b.writeUInt16LE(EHDR, 52); // e_ehsize
  b.writeUInt16LE(PHDR, 54); // e_phentsize
  b.writeUInt16LE(1, 56); // e_phnum
  b.writeUInt16LE(64, 58); // e_shentsize
  b.writeUInt16LE(0, 60); // e_shnum
  b.writeUInt16LE(0, 62); // e_shstrndx
  const p = EHDR;
  b.writeUInt32LE(1, p); // p_type: PT_LOAD
  b.writeUInt32LE(5, p + 4); // p_flags: R+X
  b.writeBigUInt64LE(0n, p + 8); // p_offset
  b.writeBigUInt64LE(BigInt(BASE), p + 16); // p_vaddr
  b.writeBigUInt64LE(BigInt(BASE), p + 24); // p_paddr
  b.writeBigUInt64LE(BigInt(size), p + 32); // p_filesz
  b.writeBigUInt64LE(BigInt(size), p + 40); // p_memsz
  b.writeBigUInt64LE(0x1000n, p + 48); // p_align
  b.set(code, EHDR + PHDR);
  return b;
}

/** The image's root filesystem: a tar holding `/pause`. */
export async function pauseRootfs(arch: keyof typeof PROGRAMS): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    tar.on('end', resolve);
    tar.on('error', reject);
  });
  tar.entry({ name: 'pause', mode: 0o755, mtime: new Date(0) }, pauseExecutable(arch));
  tar.finalize();
  await done;
  return Buffer.concat(chunks);
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
