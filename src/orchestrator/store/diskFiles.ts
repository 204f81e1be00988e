import { closeSync, fdatasync, fdatasyncSync, fstatSync, fsyncSync, openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { dirname } from 'node:path';

/** The disk refused to make a file durable. */
export class FsyncFailed extends Error {
  constructor(override readonly cause: unknown) {
    super(`fsync failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/**
 * A store's files on disk (the database, its -wal and -shm) and how they are made durable: with
 * fdatasync on libuv's thread pool, so the event loop never waits for the disk. For `:memory:`
 * there are no files and everything is durable at once.
 */
export class DiskFiles {
  private syncing: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly fds: { db: number; wal: number; shm: number } | undefined,
    private readonly syncFile: (fd: number) => Promise<void>,
  ) {}

  /** Opens the files of a database SQLite has opened in WAL mode, and makes what is there durable. */
  static open(path: string, syncFile?: (fd: number) => Promise<void>): DiskFiles {
    const fds = { db: openSync(path, 'r+'), wal: openSync(`${path}-wal`, 'r+'), shm: openSync(`${path}-shm`, 'r') };
    fdatasyncSync(fds.wal);
    fsyncDir(dirname(path));
    return new DiskFiles(fds, syncFile ?? ((fd) => new Promise((res, rej) => fdatasync(fd, (e) => (e ? rej(e) : res())))));
  }

  static none(): DiskFiles {
    return new DiskFiles(undefined, () => Promise.resolve());
  }

  get onDisk(): boolean {
    return this.fds !== undefined;
  }

  /** Makes the WAL or the database file durable; rejects with `FsyncFailed`. */
  sync(which: 'wal' | 'db'): Promise<void> {
    if (!this.fds) return Promise.resolve();
    const p = this.syncFile(this.fds[which]).catch((e: unknown) => {
      throw new FsyncFailed(e);
    });
    this.syncing = p.catch(() => undefined);
    return p;
  }

  dbBytes(): number {
    return this.fds ? fstatSync(this.fds.db).size : 0;
  }

  walFileBytes(): number {
    return this.fds ? fstatSync(this.fds.wal).size : 0;
  }

  /**
   * The WAL frames written since the WAL last started over: `mxFrame` of the wal-index header
   * (offset 16 of the -shm file, native byte order; sqlite.org/walformat.html), what SQLite's own
   * auto-checkpoint counts. Undefined when it cannot be read.
   */
  walFrames(): number | undefined {
    return this.fds ? readWalFrames(this.fds.shm) : undefined;
  }

  /** Closes the descriptors once no fsync on the thread pool holds them any more. */
  close(): void {
    const fds = this.fds;
    if (!fds) return;
    void this.syncing.finally(() => {
      for (const fd of [fds.db, fds.wal, fds.shm]) closeSync(fd);
    });
  }
}

/**
 * `mxFrame` of the wal-index header in the -shm file open at `shmFd` (offset 16, native byte order;
 * sqlite.org/walformat.html): the WAL frames written since the WAL last started over. Undefined when
 * it cannot be read.
 */
export function readWalFrames(shmFd: number): number | undefined {
  const b = Buffer.alloc(4);
  try {
    if (readSync(shmFd, b, 0, 4, 16) !== 4) return undefined;
  } catch {
    return undefined;
  }
  return endianness() === 'LE' ? b.readUInt32LE(0) : b.readUInt32BE(0);
}

export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every platform can fsync a directory (Windows); the files' own fsyncs still hold.
  }
}
