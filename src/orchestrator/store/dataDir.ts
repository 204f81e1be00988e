import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Logger } from '../util/logger.js';

/**
 * Makes the data directory (SKIFF_HOME) private to its owner: the directory and every folder in it
 * 0700, every file 0600 (state.db and its -wal and -shm, pki keys, tokens, kubeconfig, key files,
 * anything else), also when it already existed with looser modes; each fix is logged. Symbolic links
 * are left alone (never followed out of the directory). Folders named in `keepContents` (the local
 * node's agent data: pod volumes need the modes their containers set) are made 0700 themselves but
 * their contents are left as they are; nobody else can reach them through a 0700 parent.
 *
 * Files created later get their mode where they are written (the store creates state.db 0600 and
 * SQLite gives -wal and -shm the same mode). On Windows, POSIX modes do not apply: nothing to do.
 * Returns the paths it changed, relative to `home`.
 */
export function makeDataDirPrivate(home: string, log: Logger, keepContents: string[] = []): string[] {
  if (process.platform === 'win32') return [];
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const fixed: string[] = [];
  const fix = (path: string, want: number) => {
    const st = lstatSync(path);
    if ((st.mode & 0o777) === want) return;
    chmodSync(path, want);
    fixed.push(relative(home, path) || '.');
  };
  const walk = (dir: string) => {
    fix(dir, 0o700);
    if (dir !== home && keepContents.includes(relative(home, dir))) return;
    for (const ent of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, ent.name);
      if (ent.isDirectory()) walk(path);
      else if (ent.isFile()) fix(path, 0o600);
    }
  };
  walk(home);
  if (fixed.length) log.warn('made the data directory private (it was readable by other users)', { home, fixed });
  return fixed;
}
