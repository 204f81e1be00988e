import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The lock module reads its path once: point it at a private file before importing it.
const dir = mkdtempSync(join(tmpdir(), 'skiff-lab-lock-'));
process.env.SKIFF_LAB_LOCK = join(dir, 'lab.lock');
const load = () => import('./lock.js');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the lab lock', () => {
  it('waits while another process holds it, and is shared within one process', async () => {
    const { acquireLabLock, LAB_LOCK } = await load();
    expect(LAB_LOCK).toBe(join(dir, 'lab.lock'));
    // Another process takes the lock and holds it until told to let go (its stdin closes).
    const other = spawn('flock', ['-x', LAB_LOCK, '-c', 'echo held; exec cat >/dev/null'], { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((r) => other.stdout.once('data', () => r()));
    const order: string[] = [];
    const mine = acquireLabLock().then((release) => {
      order.push('acquired');
      return release;
    });
    // Still waiting while the other holds it: give it every chance to (wrongly) succeed.
    await new Promise((r) => setTimeout(r, 500));
    order.push('other releases');
    other.stdin.end();
    const release = await mine;
    expect(order).toEqual(['other releases', 'acquired']);
    // A second lab in the same process (a test playing a crashed run) does not deadlock on itself.
    const again = await acquireLabLock();
    again();
    release();
    // Released: another process gets it (the holder exits asynchronously after release, so wait
    // for it, bounded; a lock never released makes flock give up with exit 1).
    const third = spawn('flock', ['-x', '-w', '60', LAB_LOCK, '-c', 'echo ok'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const code = await new Promise<number | null>((r) => third.on('close', r));
    expect(code).toBe(0);
  });
});
