import { chmod, lchown, lstat, mkdir, mkdtemp, readFile, readdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';

/** One file of a volume: its bytes and mode. */
export interface FileProjection {
  data: Buffer;
  mode: number;
}

/** Relative path -> file. */
export type Payload = Map<string, FileProjection>;

/** Who should own what the writer makes: the pod's `fsGroup` (group-readable, setgid dirs). */
export interface Ownership {
  gid: number;
}

const DATA = '..data';
const DATA_TMP = '..data_tmp';

/** Checks a payload path as the kubelet's `validatePath`: relative, no `..` element, not starting with `..`. */
export function validatePayloadPath(p: string): string | undefined {
  if (p === '') return 'invalid path: must not be empty';
  if (p.length > 4096) return `invalid path: must be less than or equal to 4096 characters`;
  if (posix.isAbsolute(p)) return `invalid path: must be relative path: ${p}`;
  if (p.split('/').includes('..')) return `invalid path: must not contain '..': ${p}`;
  if (p.startsWith('..')) return `invalid path: must not start with '..': ${p}`;
  return undefined;
}

/** The kubelet's timestamped directory name: `..2006_01_02_15_04_05.` plus a random suffix. */
function tsPrefix(now: number): string {
  const d = new Date(now);
  const p = (n: number) => String(n).padStart(2, '0');
  return `..${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}_${p(d.getUTCHours())}_${p(d.getUTCMinutes())}_${p(d.getUTCSeconds())}.`;
}

/**
 * Writes a volume's files so that readers never see a half-updated set, as the kubelet's
 * `AtomicWriter`: the files go to a new hidden timestamped directory, `..data` (a symlink) is
 * switched to it by one `rename(2)` of a fresh `..data_tmp` symlink, and each top-level entry the
 * user sees (`key`) is a symlink through `..data` (`key -> ..data/key`). The previous directory and
 * entries no longer in the payload are removed afterwards. Nothing is written when the payload
 * equals what is there. Returns whether it wrote.
 */
export async function writeAtomically(target: string, payload: Payload, opts: { now: number; ownership?: Ownership; onOwnershipDenied?: () => void }): Promise<boolean> {
  for (const p of payload.keys()) {
    const bad = validatePayloadPath(p);
    if (bad) throw new Error(bad);
  }
  const oldTs = await readlink(join(target, DATA)).catch(() => undefined);
  if (oldTs && (await samePayload(join(target, oldTs), payload))) return false;

  const tsDir = await mkdtemp(join(target, tsPrefix(opts.now)));
  await chmod(tsDir, 0o755);
  const dirs = new Set<string>();
  for (const [rel, f] of payload) {
    const file = join(tsDir, rel);
    let d = dirname(rel);
    while (d !== '.' && d !== '/') {
      dirs.add(d);
      d = dirname(d);
    }
    await mkdir(dirname(file), { recursive: true, mode: 0o755 });
    await writeFile(file, f.data, { mode: f.mode & 0o7777 });
    // writeFile's mode passes through the umask; the payload's mode is exact.
    await chmod(file, f.mode & 0o7777);
  }
  if (opts.ownership) await own(tsDir, [...payload.entries()], [...dirs], opts.ownership, opts.onOwnershipDenied);

  // The names users see: `key -> ..data/key` for each top-level entry.
  const tops = new Set([...payload.keys()].map((p) => p.split('/')[0] as string));
  for (const t of tops) {
    const link = join(target, t);
    const st = await lstat(link).catch(() => undefined);
    if (!st) await symlink(posix.join(DATA, t), link);
  }
  const tmp = join(target, DATA_TMP);
  await rm(tmp, { force: true });
  await symlink(posix.basename(tsDir), tmp);
  await rename(tmp, join(target, DATA));

  for (const name of await readdir(target)) {
    if (name.startsWith('..') || tops.has(name)) continue;
    await rm(join(target, name), { recursive: true, force: true });
  }
  if (oldTs && oldTs !== posix.basename(tsDir)) await rm(join(target, oldTs), { recursive: true, force: true });
  return true;
}

async function samePayload(dir: string, payload: Payload): Promise<boolean> {
  const have = await listFiles(dir).catch(() => undefined);
  if (!have || have.length !== payload.size) return false;
  for (const rel of have) {
    const f = payload.get(rel);
    if (!f) return false;
    const st = await lstat(join(dir, rel));
    if ((st.mode & 0o7777) !== (f.mode & 0o7777) && (st.mode & 0o7777) !== ((f.mode | 0o440) & 0o7777)) return false;
    if (!(await readFile(join(dir, rel))).equals(f.data)) return false;
  }
  return true;
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(join(dir, e.name), rel)));
    else out.push(rel);
  }
  return out;
}

/**
 * `SetVolumeOwnership` for a read-only volume: group `gid` on everything, files `mode | 0440`,
 * directories `mode | 0550` plus setgid. Without the right to give files to that group (an agent
 * that is not root and not in it) `denied` is called and modes are still widened for the group.
 */
async function own(tsDir: string, files: [string, FileProjection][], dirs: string[], o: Ownership, denied?: () => void): Promise<void> {
  let refused = false;
  const chgrp = async (p: string) => {
    if (refused) return;
    try {
      await lchown(p, -1, o.gid);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
      refused = true;
      denied?.();
    }
  };
  for (const d of ['', ...dirs]) {
    const p = join(tsDir, d);
    await chgrp(p);
    await chmod(p, 0o755 | 0o550 | 0o2000);
  }
  for (const [rel, f] of files) {
    const p = join(tsDir, rel);
    await chgrp(p);
    await chmod(p, (f.mode | 0o440) & 0o7777);
  }
}
