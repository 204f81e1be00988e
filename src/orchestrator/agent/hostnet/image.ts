import type { Runtime } from '../runtime/types.js';
import { elfExecutable, engineArchitecture, oneFileRootfs, words, type Arch } from '../net/elf.js';

/**
 * The host component's image: one static program, `/chroot-exec ROOT PROGRAM ARGS...`, which
 * chroots into ROOT (the host's `/`, bind-mounted), changes to `/` and execs PROGRAM with ARGS and
 * the container's environment. So the component runs the host's own `node` on the agent bundle,
 * with the host's own `iptables` and `ip`, as root, in the host's network namespace: no registry,
 * no copy of any tool. Built on the host like the pause image; the tag names the program.
 */
export const HOSTNET_IMAGE = 'skiff/hostnet:1';
export const CHROOT_EXEC = '/chroot-exec';

/** On failure the program writes `skiff-hostnet: chroot or exec failed` to stderr and exits 127. */
const MESSAGE = [...Buffer.from('/\0skiff-hostnet: chroot or exec failed\n')];

const PROGRAMS: Record<Arch, number[]> = {
  // Assembled with GNU as from (Intel syntax):
  //   mov rdi,[rsp+16]; mov eax,161 (chroot); syscall; test eax,eax; jnz fail
  //   lea rdi,[rip+slash]; mov eax,80 (chdir); syscall; test eax,eax; jnz fail
  //   mov rdi,[rsp+24]; lea rsi,[rsp+24]; mov rcx,[rsp]; lea rdx,[rsp+rcx*8+16]; mov eax,59 (execve); syscall
  //   fail: mov edi,2; lea rsi,[rip+msg]; mov edx,37; mov eax,1 (write); syscall; mov edi,127; mov eax,60 (exit); syscall
  //   slash: "/\0"  msg: "skiff-hostnet: chroot or exec failed\n"
  x86_64: [
    0x48, 0x8b, 0x7c, 0x24, 0x10, 0xb8, 0xa1, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x85, 0xc0, 0x75, 0x2c, 0x48, 0x8d, 0x3d, 0x49, 0x00, 0x00, 0x00, 0xb8,
    0x50, 0x00, 0x00, 0x00, 0x0f, 0x05, 0x85, 0xc0, 0x75, 0x1a, 0x48, 0x8b, 0x7c, 0x24, 0x18, 0x48, 0x8d, 0x74, 0x24, 0x18, 0x48, 0x8b, 0x0c, 0x24,
    0x48, 0x8d, 0x54, 0xcc, 0x10, 0xb8, 0x3b, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xbf, 0x02, 0x00, 0x00, 0x00, 0x48, 0x8d, 0x35, 0x1a, 0x00, 0x00, 0x00,
    0xba, 0x25, 0x00, 0x00, 0x00, 0xb8, 0x01, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xbf, 0x7f, 0x00, 0x00, 0x00, 0xb8, 0x3c, 0x00, 0x00, 0x00, 0x0f, 0x05,
    ...MESSAGE,
  ],
  // Assembled with llvm-mc (aarch64) from the same steps: chroot = 51, chdir = 49, execve = 221,
  // write = 64, exit = 93. Structure-checked by the unit test; not yet run on an arm64 host.
  aarch64: [
    ...words([
      0xf9400be0, // ldr x0, [sp, #16]
      0xd2800668, // mov x8, #51
      0xd4000001, // svc #0
      0xb5000180, // cbnz x0, fail
      0x10000260, // adr x0, slash
      0xd2800628, // mov x8, #49
      0xd4000001, // svc #0
      0xb5000100, // cbnz x0, fail
      0xf9400fe0, // ldr x0, [sp, #24]
      0x910063e1, // add x1, sp, #24
      0xf94003e2, // ldr x2, [sp]
      0x8b226fe2, // add x2, sp, x2, lsl #3
      0x91004042, // add x2, x2, #16
      0xd2801ba8, // mov x8, #221
      0xd4000001, // svc #0
      0xd2800040, // fail: mov x0, #2
      0x500000e1, // adr x1, msg
      0xd28004a2, // mov x2, #37
      0xd2800808, // mov x8, #64
      0xd4000001, // svc #0
      0xd2800fe0, // mov x0, #127
      0xd2800ba8, // mov x8, #93
      0xd4000001, // svc #0
    ]),
    ...MESSAGE,
  ],
};

export function chrootExecutable(arch: Arch): Buffer {
  return elfExecutable(arch, PROGRAMS[arch]);
}

export function hostnetRootfs(arch: Arch): Promise<Buffer> {
  return oneFileRootfs(CHROOT_EXEC.slice(1), chrootExecutable(arch));
}

/** Imports `HOSTNET_IMAGE` into the engine when it is missing; concurrent callers share one import. */
export class HostNetImage {
  private pending: Promise<string> | undefined;

  constructor(private readonly runtime: Pick<Runtime, 'imageId' | 'importImage' | 'info'>) {}

  ensure(): Promise<string> {
    this.pending ??= this.load().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async load(): Promise<string> {
    if (await this.runtime.imageId(HOSTNET_IMAGE)) return HOSTNET_IMAGE;
    const arch = engineArchitecture((await this.runtime.info()).architecture, 'the host component');
    await this.runtime.importImage(await hostnetRootfs(arch), HOSTNET_IMAGE);
    return HOSTNET_IMAGE;
  }
}
