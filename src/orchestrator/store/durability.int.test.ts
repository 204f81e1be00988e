import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';
import { SqliteStore } from './SqliteStore.js';

// The datastore's promise: an acknowledged write survives `kill -9` of the process. A child process
// writes and prints an ack after each write resolves; we SIGKILL it mid-stream and reopen the file.
it('keeps every acknowledged write after kill -9', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-durability-'));
  const db = join(dir, 'state.db');
  const script = join(dir, 'writer.mts');
  writeFileSync(
    script,
    `import { SqliteStore } from ${JSON.stringify(resolve('src/orchestrator/store/SqliteStore.ts'))};
     const s = new SqliteStore(${JSON.stringify(db)});
     for (let i = 0; ; i++) {
       const e = await s.create('/k/' + String(i).padStart(6, '0'), JSON.stringify({ i }));
       process.stdout.write('ack ' + i + ' ' + e.modRevision + '\\n');
     }`,
  );
  const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let acked = -1;
  let buf = '';
  await new Promise<void>((done) => {
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        const m = l.match(/^ack (\d+) (\d+)$/);
        if (m) acked = Number(m[1]);
      }
      if (acked >= 300 && !child.killed) {
        child.kill('SIGKILL');
      }
    });
    child.on('close', () => done());
  });
  expect(acked).toBeGreaterThanOrEqual(300);
  const s = new SqliteStore(db);
  const { items } = await s.list('/k/');
  // Every acknowledged write is there (one more may have landed before the ack was printed).
  expect(items.length).toBeGreaterThanOrEqual(acked + 1);
  for (let i = 0; i <= acked; i++) {
    expect(items[i]?.key).toBe('/k/' + String(i).padStart(6, '0'));
    expect(JSON.parse(items[i]?.value ?? '{}')).toEqual({ i });
  }
  expect(s.currentRevision()).toBe(items.length);
  s.close();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);
