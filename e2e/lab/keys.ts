import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AUTHORIZED_KEYS, KEY_COMMENT } from './paths.js';
import { run } from './run.js';

/** A fresh ed25519 key pair for this lab, authorized for root on every host (they share /root). */
export async function createKey(dir: string): Promise<string> {
  const key = join(dir, 'id_ed25519');
  rmSync(key, { force: true });
  rmSync(`${key}.pub`, { force: true });
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', KEY_COMMENT, '-f', key]);
  const pub = readFileSync(`${key}.pub`, 'utf8').trim();
  mkdirSync(dirname(AUTHORIZED_KEYS), { recursive: true, mode: 0o700 });
  const kept = existsSync(AUTHORIZED_KEYS) ? withoutLabKeys(readFileSync(AUTHORIZED_KEYS, 'utf8')) : '';
  writeFileSync(AUTHORIZED_KEYS, `${kept}${pub}\n`, { mode: 0o600 });
  return key;
}

/** Removes every lab key line (this run's and any a crashed run left), and the key files. */
export function removeKey(dir: string): void {
  if (existsSync(AUTHORIZED_KEYS)) {
    const text = readFileSync(AUTHORIZED_KEYS, 'utf8');
    const kept = withoutLabKeys(text);
    if (kept !== text) writeFileSync(AUTHORIZED_KEYS, kept);
  }
  rmSync(join(dir, 'id_ed25519'), { force: true });
  rmSync(join(dir, 'id_ed25519.pub'), { force: true });
}

function withoutLabKeys(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.trim().endsWith(` ${KEY_COMMENT}`));
  return lines.length ? `${lines.join('\n')}\n` : '';
}
