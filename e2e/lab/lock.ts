import { spawn } from 'node:child_process';
import { LabError } from './run.js';

/** The machine-wide lock every lab holder takes: one lab per machine (paths.ts names are global). */
export const LAB_LOCK = process.env.SKIFF_LAB_LOCK ?? '/run/skiff-lab.lock';

/** This process's hold on the lock: shared by every lab it creates (a test that plays a crashed run creates a second). */
let held: { count: number; release: Promise<() => void> } | undefined;

/**
 * Takes the lab lock, waiting while another process (a second test run, another checkout's suite)
 * holds it; within one process it is shared, counted. `flock` holds the lock for as long as its
 * child `cat` reads our stdin, so the lock goes with this process however it ends: no stale lock
 * after a crash. Resolves with the release.
 */
export async function acquireLabLock(log: (msg: string) => void = () => {}): Promise<() => void> {
  if (!held) {
    const release = takeLock(log);
    held = { count: 0, release };
    release.catch(() => (held = undefined));
  }
  const h = held;
  h.count++;
  const release = await h.release;
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--h.count === 0) {
      if (held === h) held = undefined;
      release();
    }
  };
}

function takeLock(log: (msg: string) => void): Promise<() => void> {
  return new Promise((resolve, reject) => {
    const child = spawn('flock', ['-x', LAB_LOCK, '-c', 'echo locked; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const waiting = setTimeout(() => log(`waiting for ${LAB_LOCK}: another run holds the lab`), 2_000);
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('locked')) {
        clearTimeout(waiting);
        // The lock must not keep the test process alive on its own.
        child.unref();
        (child.stdin as unknown as { unref?: () => void }).unref?.();
        (child.stdout as unknown as { unref?: () => void }).unref?.();
        (child.stderr as unknown as { unref?: () => void }).unref?.();
        resolve(() => {
          child.stdin.end();
          child.kill();
        });
      }
    });
    child.on('error', (e) => {
      clearTimeout(waiting);
      reject(new LabError(`cannot take the lab lock (${LAB_LOCK}) with flock: ${e.message} (apt-get install -y util-linux)`));
    });
    child.on('exit', (code) => {
      clearTimeout(waiting);
      if (!out.includes('locked')) reject(new LabError(`flock ${LAB_LOCK} exited with ${code}: ${err.trim()}`));
    });
  });
}
