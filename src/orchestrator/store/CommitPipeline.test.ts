import { describe, expect, it } from 'vitest';
import { silentLogger, type Logger } from '../util/logger.js';
import { CommitPipeline, MAX_BATCH, type AloneJob, type BatchJob, type CommitHost, type Outcome } from './CommitPipeline.js';
import { FsyncFailed } from './diskFiles.js';
import { StoreConflict, type StoreEvent } from './types.js';

/**
 * A host without a database: a write succeeds unless its key starts with `/bad` (a store error
 * outcome); `throwNext` makes the next transaction fail; each sync waits for a gate the test opens.
 */
function fakeHost() {
  const calls: string[] = [];
  const syncs: { open(): void; fail(e: unknown): void }[] = [];
  const state = { rev: 0, open: true, throwNext: false, checkpointNext: false };
  const host: CommitHost = {
    isOpen: () => state.open,
    async commit(batch: readonly BatchJob[]): Promise<Outcome[]> {
      calls.push(`commit ${batch.length}`);
      if (state.throwNext) {
        state.throwNext = false;
        throw new Error('disk I/O error');
      }
      let rev = state.rev;
      const out = batch.map((j): Outcome => {
        if (j.kind === 'compact') {
          calls.push('compacted');
          return { done: true };
        }
        if (j.key.startsWith('/bad')) return { error: new StoreConflict(j.key, 0, 0) };
        rev++;
        const value = j.kind === 'delete' ? '' : j.value;
        return { event: { type: j.kind === 'delete' ? 'delete' : 'put', entry: { key: j.key, value, modRevision: rev, createRevision: rev }, created: j.kind === 'create' } };
      });
      state.rev = rev;
      return out;
    },
    sync() {
      calls.push('sync');
      return new Promise((resolve, reject) => syncs.push({ open: () => resolve(), fail: reject }));
    },
    durable: () => calls.push('durable'),
    acknowledged: (e) => calls.push(`ack ${e.entry.modRevision}`),
    afterBatch(): AloneJob | undefined {
      if (!state.checkpointNext) return undefined;
      state.checkpointNext = false;
      return { kind: 'alone', label: 'checkpoint', run: async () => void calls.push('checkpoint') };
    },
    beforeAlone: (j) => calls.push(`before ${j.label}`),
    afterAlone: (j) => calls.push(`after ${j.label}`),
  };
  /** Opens syncs as they come, until `p` settles. */
  const drain = async <T>(p: Promise<T>): Promise<T> => {
    let settled = false;
    const q = p.finally(() => (settled = true));
    while (!settled) {
      await new Promise((r) => setImmediate(r));
      for (const s of syncs.splice(0)) s.open();
    }
    return q;
  };
  return { host, calls, syncs, state, drain };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('CommitPipeline', () => {
  it('commits writes queued together in one batch and acknowledges them only after the sync, watchers first', async () => {
    const f = fakeHost();
    const p = new CommitPipeline(f.host, silentLogger);
    const seen: string[] = [];
    p.watch('/r/', 0, (e) => seen.push(`watch ${e.entry.modRevision}`));
    const settled: string[] = [];
    const writes = ['/r/a', '/bad', '/r/b'].map((key) =>
      p.enqueue({ kind: 'create', key, value: 'v' }).then(
        (e) => {
          settled.push(`ok ${e?.modRevision}`);
          seen.push(`resolved ${e?.modRevision}`);
        },
        (e: unknown) => void settled.push(`err ${(e as Error).constructor.name}`),
      ),
    );
    await tick();
    expect(f.calls).toEqual(['commit 3', 'sync']);
    expect(settled).toEqual([]);
    await tick();
    expect(settled).toEqual([]);
    f.syncs.shift()?.open();
    await Promise.all(writes);
    expect(f.calls).toEqual(['commit 3', 'sync', 'durable', 'ack 1', 'ack 2']);
    expect(settled).toEqual(['ok 1', 'err StoreConflict', 'ok 2']);
    // Watchers hear of every write of the batch before any writer's continuation runs.
    expect(seen).toEqual(['watch 1', 'watch 2', 'resolved 1', 'resolved 2']);
    expect(p.batches).toBe(1);
  });

  it('gathers the next batch while one waits for the disk, and caps a batch at MAX_BATCH writes', async () => {
    const f = fakeHost();
    const p = new CommitPipeline(f.host, silentLogger);
    const first = p.enqueue({ kind: 'create', key: '/r/first', value: 'v' });
    await tick();
    const rest = Array.from({ length: MAX_BATCH + 5 }, (_, i) => p.enqueue({ kind: 'create', key: `/r/${i}`, value: 'v' }));
    await tick();
    expect(f.calls).toEqual(['commit 1', 'sync']);
    await f.drain(Promise.all([first, ...rest]));
    expect(f.calls.filter((c) => c.startsWith('commit'))).toEqual(['commit 1', `commit ${MAX_BATCH}`, 'commit 5']);
  });

  it('rejects every job of a failed transaction with its error and goes on with the next', async () => {
    const f = fakeHost();
    const p = new CommitPipeline(f.host, silentLogger);
    f.state.throwNext = true;
    const failed = Promise.allSettled([p.enqueue({ kind: 'create', key: '/r/a', value: 'v' }), p.enqueue({ kind: 'create', key: '/r/b', value: 'v' })]);
    expect((await failed).map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok'))).toEqual(['disk I/O error', 'disk I/O error']);
    expect(p.failed).toBeUndefined();
    expect((await f.drain(p.enqueue({ kind: 'create', key: '/r/c', value: 'v' })))?.modRevision).toBe(1);
  });

  it('commits a compaction in its batch, and runs a job alone between batches', async () => {
    const f = fakeHost();
    const p = new CommitPipeline(f.host, silentLogger);
    f.state.checkpointNext = true;
    const a = p.enqueue({ kind: 'compact', lo: 0, hi: 1 });
    const vacuum = p.enqueue({ kind: 'alone', label: 'vacuum', run: async () => void f.calls.push('vacuum') });
    const b = p.enqueue({ kind: 'create', key: '/r/b', value: 'v' });
    await f.drain(Promise.all([a, vacuum, b]));
    // The checkpoint the host asked for after the first batch runs before anything queued after it.
    expect(f.calls).toEqual([
      'commit 1', 'compacted', 'sync', 'durable',
      'before checkpoint', 'checkpoint', 'after checkpoint',
      'before vacuum', 'vacuum', 'after vacuum',
      'commit 1', 'sync', 'durable', 'ack 1',
    ]);
  });

  it('holds reads that ask to wait until the committed batch is acknowledged', async () => {
    const f = fakeHost();
    const p = new CommitPipeline(f.host, silentLogger);
    const order: string[] = [];
    p.whenAcknowledged(() => order.push('read before'));
    const w = p.enqueue({ kind: 'create', key: '/r/a', value: 'v' }).then(() => order.push('write'));
    await tick();
    p.whenAcknowledged(() => order.push('read during'));
    expect(order).toEqual(['read before']);
    f.syncs.shift()?.open();
    await w;
    // The held read runs as the batch is acknowledged (synchronously, before promise continuations).
    expect(order).toEqual(['read before', 'read during', 'write']);
  });

  it('stops after a failed sync: the batch, the queue and every later job are rejected, waiting reads released', async () => {
    const f = fakeHost();
    const errors: string[] = [];
    const log: Logger = { ...silentLogger, error: (m) => void errors.push(m) };
    const p = new CommitPipeline(f.host, log);
    const a = p.enqueue({ kind: 'create', key: '/r/a', value: 'v' });
    await tick();
    const b = p.enqueue({ kind: 'create', key: '/r/b', value: 'v' });
    let released = false;
    p.whenAcknowledged(() => (released = true));
    f.syncs.shift()?.fail(new FsyncFailed(new Error('EIO')));
    await expect(a).rejects.toThrow(/could not make writes durable \(fsync failed: EIO\)/);
    await expect(b).rejects.toThrow(/fsync failed: EIO/);
    await expect(p.enqueue({ kind: 'delete', key: '/r/a' })).rejects.toThrow(/restart Skiff/);
    expect(released).toBe(true);
    expect(errors).toEqual(['datastore fsync failed; refusing further writes']);
    expect(f.calls.filter((c) => c.startsWith('ack'))).toEqual([]);
  });

  it('a watcher that throws does not stop the others nor the writer; watchers see only revisions after their start', async () => {
    const f = fakeHost();
    const errors: string[] = [];
    const p = new CommitPipeline(f.host, { ...silentLogger, error: (m) => void errors.push(m) });
    const seen: number[] = [];
    p.watch('/r/', 0, () => {
      throw new Error('boom');
    });
    p.watch('/r/', 1, (e: StoreEvent) => seen.push(e.entry.modRevision));
    const other = p.watch('/other/', 0, (e: StoreEvent) => seen.push(-e.entry.modRevision));
    other.dispose();
    await f.drain(Promise.all([p.enqueue({ kind: 'create', key: '/r/a', value: 'v' }), p.enqueue({ kind: 'create', key: '/r/b', value: 'v' }), p.enqueue({ kind: 'create', key: '/other/c', value: 'v' })]));
    expect(seen).toEqual([2]);
    expect(errors).toEqual(['a store watch handler threw', 'a store watch handler threw']);
  });

  it('close rejects what is queued and everything after it', async () => {
    const f = fakeHost();
    const p = new CommitPipeline(f.host, silentLogger);
    const a = p.enqueue({ kind: 'create', key: '/r/a', value: 'v' });
    p.close(new Error('the datastore is closed'));
    f.state.open = false;
    await expect(a).rejects.toThrow('the datastore is closed');
    await expect(p.enqueue({ kind: 'create', key: '/r/b', value: 'v' })).rejects.toThrow('the datastore is closed');
    expect(f.calls).toEqual([]);
  });
});
