import { extract } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../util/clock.js';
import { FakeRuntime } from '../runtime/fake.js';
import { PAUSE_IMAGE, PauseImage, pauseArchitecture, pauseExecutable, pauseRootfs } from './pauseImage.js';

describe('pause executable', () => {
  it.each([
    ['x86_64', 62],
    ['aarch64', 183],
  ] as const)('%s: a static ELF64 whose one loadable segment holds the code at the entry point', (arch, machine) => {
    const b = pauseExecutable(arch);
    expect([...b.subarray(0, 7)]).toEqual([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    expect(b.readUInt16LE(16)).toBe(2); // ET_EXEC
    expect(b.readUInt16LE(18)).toBe(machine);
    const phoff = Number(b.readBigUInt64LE(32));
    expect(b.readUInt16LE(54)).toBe(56);
    expect(b.readUInt16LE(56)).toBe(1);
    expect(b.readUInt32LE(phoff)).toBe(1); // PT_LOAD
    expect(b.readUInt32LE(phoff + 4)).toBe(5); // R+X
    const vaddr = b.readBigUInt64LE(phoff + 16);
    expect(Number(b.readBigUInt64LE(phoff + 32))).toBe(b.length);
    const entry = b.readBigUInt64LE(24);
    expect(entry - vaddr).toBe(BigInt(64 + 56));
    expect(b.length).toBeGreaterThan(64 + 56);
  });

  it('maps engine architecture names, and names the ones it cannot run on', () => {
    expect(pauseArchitecture('x86_64')).toBe('x86_64');
    expect(pauseArchitecture('amd64')).toBe('x86_64');
    expect(pauseArchitecture('aarch64')).toBe('aarch64');
    expect(pauseArchitecture('arm64')).toBe('aarch64');
    expect(() => pauseArchitecture('s390x')).toThrow(/x86_64 and aarch64 hosts; this Docker engine reports architecture "s390x"/);
  });

  it('the root filesystem is a tar holding an executable /pause', async () => {
    const tar = await pauseRootfs('x86_64');
    const entries: { name: string; mode: number; body: Buffer }[] = [];
    await new Promise<void>((resolve, reject) => {
      const x = extract();
      x.on('entry', (h, stream, next) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: unknown) => void chunks.push(c as Buffer));
        stream.on('end', () => {
          entries.push({ name: h.name, mode: h.mode ?? 0, body: Buffer.concat(chunks) });
          next();
        });
      });
      x.on('finish', resolve);
      x.on('error', reject);
      x.end(tar);
    });
    expect(entries.map((e) => [e.name, e.mode.toString(8)])).toEqual([['pause', '755']]);
    expect(entries[0]!.body.equals(pauseExecutable('x86_64'))).toBe(true);
  });
});

describe('PauseImage', () => {
  it('imports the image once when missing, for concurrent callers too', async () => {
    const rt = new FakeRuntime(new FakeClock());
    const image = new PauseImage(rt);
    expect(await Promise.all([image.ensure(), image.ensure()])).toEqual([PAUSE_IMAGE, PAUSE_IMAGE]);
    expect(await image.ensure()).toBe(PAUSE_IMAGE);
    expect(rt.imports).toEqual([PAUSE_IMAGE]);
    expect(await rt.imageId(PAUSE_IMAGE)).toMatch(/^sha256:/);
  });

  it('fails with the reason on an engine it cannot serve', async () => {
    const rt = new FakeRuntime(new FakeClock());
    rt.engine.architecture = 'ppc64le';
    await expect(new PauseImage(rt).ensure()).rejects.toThrow(/ppc64le/);
    expect(rt.imports).toEqual([]);
  });
});
