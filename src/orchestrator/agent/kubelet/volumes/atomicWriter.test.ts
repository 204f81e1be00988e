import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validatePayloadPath, writeAtomically, type Payload } from './atomicWriter.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync('/dev/shm/skiff-atomic-test-');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const payload = (files: Record<string, string>, mode = 0o644): Payload => new Map(Object.entries(files).map(([k, v]) => [k, { data: Buffer.from(v), mode }]));
const NOW = Date.UTC(2026, 4, 17, 8, 9, 10);

describe('writeAtomically (the kubelet`s AtomicWriter)', () => {
  it('writes into a timestamped directory behind ..data, with user-visible symlinks', async () => {
    expect(await writeAtomically(dir, payload({ a: '1', 'sub/b': '2' }), { now: NOW })).toBe(true);
    const ts = readlinkSync(join(dir, '..data'));
    expect(ts).toMatch(/^\.\.2026_05_17_08_09_10\.\w+$/);
    expect(readlinkSync(join(dir, 'a'))).toBe('..data/a');
    expect(readlinkSync(join(dir, 'sub'))).toBe('..data/sub');
    expect(readFileSync(join(dir, 'sub/b'), 'utf8')).toBe('2');
    expect(readdirSync(dir).sort()).toEqual(['..data', ts, 'a', 'sub'].sort());
  });

  it('does nothing when the payload is what is there; swaps everything at once when it is not', async () => {
    await writeAtomically(dir, payload({ a: '1', b: '2' }), { now: NOW });
    const first = readlinkSync(join(dir, '..data'));
    expect(await writeAtomically(dir, payload({ a: '1', b: '2' }), { now: NOW + 1000 })).toBe(false);
    expect(readlinkSync(join(dir, '..data'))).toBe(first);
    expect(await writeAtomically(dir, payload({ a: 'one' }), { now: NOW + 2000 })).toBe(true);
    expect(readFileSync(join(dir, 'a'), 'utf8')).toBe('one');
    // b left the payload: its symlink is gone, and so is the old directory.
    expect(existsSync(join(dir, 'b'))).toBe(false);
    expect(existsSync(join(dir, first))).toBe(false);
  });

  it('gives each file its exact mode, whatever the umask', async () => {
    const old = process.umask(0o077);
    try {
      await writeAtomically(dir, new Map([['k', { data: Buffer.from('x'), mode: 0o644 }], ['s', { data: Buffer.from('y'), mode: 0o400 }]]), { now: NOW });
    } finally {
      process.umask(old);
    }
    const ts = readlinkSync(join(dir, '..data'));
    expect(lstatSync(join(dir, ts, 'k')).mode & 0o777).toBe(0o644);
    expect(lstatSync(join(dir, ts, 's')).mode & 0o777).toBe(0o400);
  });

  it('refuses paths that leave the volume', async () => {
    for (const p of ['/etc/passwd', '../x', 'a/../../b', '..data/x']) expect(validatePayloadPath(p)).toBeDefined();
    await expect(writeAtomically(dir, payload({ '../escape': 'x' }), { now: NOW })).rejects.toThrow(/must not contain '\.\.'/);
  });

  it('gives files to the fsGroup (group-readable, setgid directories) when it may', async () => {
    const gid = process.getgid?.() ?? 0;
    await writeAtomically(dir, payload({ 'key.pem': 'k', 'd/f': 'v' }, 0o400), { now: NOW, ownership: { gid } });
    const ts = readlinkSync(join(dir, '..data'));
    expect(lstatSync(join(dir, ts, 'key.pem')).mode & 0o777).toBe(0o440);
    expect(lstatSync(join(dir, ts, 'key.pem')).gid).toBe(gid);
    expect(lstatSync(join(dir, ts, 'd')).mode & 0o2777).toBe(0o2755);
  });
});

// As a user that is not root, the agent cannot give files to a group it is not in: it says so, so
// the containers get its group instead. Run in a child process as `nobody`, with the real code.
const asNobody = process.getuid?.() === 0 && existsSync('/usr/sbin/runuser');
if (!asNobody) console.warn('SKIPPING the non-root atomic writer test: it needs root (to become nobody) and runuser');

describe.skipIf(!asNobody)('writeAtomically as a user that is not root', () => {
  it('writes, and reports that it could not give the files to the fsGroup', () => {
    chmodSync(dir, 0o777);
    const script = join(dir, 'run.mts');
    const writer = resolve('src/orchestrator/agent/kubelet/volumes/atomicWriter.ts');
    writeFileSync(
      script,
      `import { writeAtomically } from ${JSON.stringify(writer)};
const target = ${JSON.stringify(join(dir, 'vol'))};
const { mkdirSync } = await import('node:fs');
mkdirSync(target);
let denied = false;
await writeAtomically(target, new Map([['key', { data: Buffer.from('s3cret'), mode: 0o400 }]]), { now: Date.now(), ownership: { gid: 4242 }, onOwnershipDenied: () => { denied = true; } });
console.log(JSON.stringify({ denied, uid: process.getuid() }));
`,
    );
    chmodSync(script, 0o644);
    const out = execFileSync('/usr/sbin/runuser', ['-u', 'nobody', '--', process.execPath, '--import', 'tsx', script], { cwd: resolve('.'), env: { ...process.env, HOME: dir, TSX_TSCONFIG_PATH: resolve('tsconfig.base.json') } }).toString();
    expect(JSON.parse(out.trim().split('\n').pop() as string)).toEqual({ denied: true, uid: 65534 });
    const ts = readlinkSync(join(dir, 'vol', '..data'));
    const st = lstatSync(join(dir, 'vol', ts, 'key'));
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([65534, 65534, 0o440]);
    expect(readFileSync(join(dir, 'vol', 'key'), 'utf8')).toBe('s3cret');
    // A child Node process that compiles TypeScript: slow on a loaded machine.
  }, 90_000);
});
