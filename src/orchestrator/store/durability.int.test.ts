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

// The same promise under group commit: 16 concurrent writers (creates, then compare-and-swap
// updates), checkpoints every 64 KiB, compaction and vacuum steps running in between; killed at a
// different point each round, three rounds on the same file. Every acknowledged write must be there
// (a key may be further along: a write can land before its ack is printed).
it('keeps every acknowledged write of concurrent writers, with checkpoints, compaction and vacuum running, across three kill -9', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-durability-'));
  const db = join(dir, 'state.db');
  const script = join(dir, 'writers.mts');
  writeFileSync(
    script,
    `import { SqliteStore } from ${JSON.stringify(resolve('src/orchestrator/store/SqliteStore.ts'))};
     const round = process.argv[2];
     const s = new SqliteStore(${JSON.stringify(db)}, { checkpointBytes: 64 << 10 });
     const ack = (line) => process.stdout.write(line + '\\n');
     setInterval(() => {
       void s.compact(s.currentRevision() - 200).then(() => s.vacuumStep(64)).then(() => s.checkpoint(true));
     }, 20);
     await Promise.all(Array.from({ length: 16 }, async (_, w) => {
       for (let i = 0; ; i++) {
         const key = '/k/' + round + '/' + w + '/' + i;
         let e = await s.create(key, JSON.stringify({ v: 0, pad: 'x'.repeat(500) }));
         ack(key + ' 0');
         for (let v = 1; v <= 3; v++) {
           e = await s.update(key, JSON.stringify({ v, pad: 'y'.repeat(500) }), e.modRevision);
           ack(key + ' ' + v);
         }
         if (i % 2) { await s.delete('/k/' + round + '/' + w + '/' + (i - 1)); ack('/k/' + round + '/' + w + '/' + (i - 1) + ' deleted'); }
       }
     }));`,
  );
  const acked = new Map<string, number | 'deleted'>();
  // A writer deletes its even key i right after key i+1's last update is acknowledged (the ack line
  // is in the pipe before the delete is sent): that delete may land before its own ack is printed,
  // so such a key may be gone without a "deleted" ack. Any other missing or older key is a lost write.
  const deleteIssued = (key: string): boolean => {
    const m = /^(.*\/)(\d+)$/.exec(key);
    if (!m) return false;
    const i = Number(m[2]);
    return i % 2 === 0 && acked.get(`${m[1]}${i + 1}`) === 3;
  };
  for (let round = 0; round < 3; round++) {
    const killAt = 300 + round * 250;
    const child = spawn(process.execPath, ['--import', 'tsx', script, String(round)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let n = 0;
    let buf = '';
    await new Promise<void>((done) => {
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const l of lines) {
          const [key, v] = l.split(' ');
          if (!key || v === undefined) continue;
          acked.set(key, v === 'deleted' ? 'deleted' : Number(v));
          n++;
        }
        if (n >= killAt && !child.killed) child.kill('SIGKILL');
      });
      child.on('close', () => done());
    });
    expect(n).toBeGreaterThanOrEqual(killAt);
    const s = new SqliteStore(db);
    const live = new Map((await s.list('/k/')).items.map((e) => [e.key, (JSON.parse(e.value) as { v: number }).v]));
    for (const [key, v] of acked) {
      if (v === 'deleted') expect([key, live.has(key)]).toEqual([key, false]);
      else if (!live.has(key) && deleteIssued(key)) continue;
      else expect([key, (live.get(key) ?? -1) >= v]).toEqual([key, true]);
    }
    // Revisions stay one sequence: every live key's revision is at most the current one.
    const { items, revision } = await s.list('/k/');
    expect(items.every((e) => e.modRevision <= revision)).toBe(true);
    expect(revision).toBe(s.currentRevision());
    s.close();
  }
  rmSync(dir, { recursive: true, force: true });
}, 120_000);
