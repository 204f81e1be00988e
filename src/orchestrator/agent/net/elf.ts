import { pack } from 'tar-stream';

/**
 * Tiny static programs the agent writes out on a host and `docker import`s as images, so no
 * registry is needed: the pod sandbox's `/pause` and the host component's `/chroot-exec`.
 * Each is a complete ELF64 executable: one header, one loadable segment (headers + code), no
 * sections; the code is position-independent machine code, assembled from the source kept beside
 * it and checked by the unit tests.
 */
export type Arch = 'x86_64' | 'aarch64';

const MACHINE: Record<Arch, number> = { x86_64: 62 /* EM_X86_64 */, aarch64: 183 /* EM_AARCH64 */ };

/** Maps an engine's architecture name (`x86_64`, `amd64`, `aarch64`, `arm64`) to ours. */
export function engineArchitecture(engineArch: string, what = 'pod sandboxes'): Arch {
  const a = engineArch.toLowerCase();
  if (a === 'x86_64' || a === 'amd64') return 'x86_64';
  if (a === 'aarch64' || a === 'arm64') return 'aarch64';
  throw new Error(`${what} are supported on x86_64 and aarch64 hosts; this Docker engine reports architecture "${engineArch}"`);
}

/** aarch64 instructions are little-endian 32-bit words. */
export function words(ws: number[]): number[] {
  const b = Buffer.alloc(ws.length * 4);
  ws.forEach((w, i) => b.writeUInt32LE(w, i * 4));
  return [...b];
}

const BASE = 0x400000;
const EHDR = 64;
const PHDR = 56;

export function elfExecutable(arch: Arch, code: readonly number[]): Buffer {
  const size = EHDR + PHDR + code.length;
  const b = Buffer.alloc(size);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2 /* 64-bit */, 1 /* little-endian */, 1 /* version */], 0);
  b.writeUInt16LE(2, 16); // e_type: ET_EXEC
  b.writeUInt16LE(MACHINE[arch], 18);
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

/** A root filesystem tar holding one executable file. */
export async function oneFileRootfs(name: string, body: Buffer): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (c: unknown) => void chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    tar.on('end', resolve);
    tar.on('error', reject);
  });
  tar.entry({ name, mode: 0o755, mtime: new Date(0) }, body);
  tar.finalize();
  await done;
  return Buffer.concat(chunks);
}
