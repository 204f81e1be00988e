import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

/** The result of one command; `code` is null when it was killed by a signal or timed out. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export class LabError extends Error {
  override name = 'LabError';
}

export interface RunOptions {
  /** Resolve with the result instead of throwing on a non-zero exit. */
  allowFail?: boolean;
  timeoutMs?: number;
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs a program with an argument vector (never through a shell unless the caller runs `sh -c` with
 * a fixed script and positional arguments). Throws a `LabError` naming the command and its stderr.
 */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new LabError(`cannot run ${cmd}: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const r = { code, stdout, stderr };
      if (code === 0 || opts.allowFail) resolve(r);
      else reject(new LabError(`${[cmd, ...args].join(' ')} failed (${code === null ? 'killed or timed out' : `exit ${code}`}): ${stderr.trim() || stdout.trim()}`));
    });
    if (child.stdin) {
      // A child that exits without reading its input must not crash us with EPIPE.
      child.stdin.on('error', () => {});
      child.stdin.end(opts.input);
    }
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `probe` until it returns true; throws `message()` after `timeoutMs`. */
export async function waitFor(probe: () => Promise<boolean> | boolean, timeoutMs: number, message: () => string, everyMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > end) throw new LabError(message());
    await sleep(everyMs);
  }
}

export function readPid(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers signal 0; count it as gone.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** The process's command line, or '' when it is gone. Used to check a pid file still names our process. */
export function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/**
 * Ends the process named by `pidFile` if its command line contains `expect` (so a recycled pid is
 * never hit): SIGTERM, then SIGKILL after `graceMs`. Removes the pid file. Returns the pid it ended.
 */
export async function killPidFile(pidFile: string, expect: string, graceMs = 10_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | undefined> {
  const pid = readPid(pidFile);
  let ended: number | undefined;
  if (pid !== undefined && isAlive(pid) && cmdline(pid).includes(expect)) {
    ended = pid;
    await killPid(pid, graceMs, signal);
  }
  rmSync(pidFile, { force: true });
  return ended;
}

export async function killPid(pid: number, graceMs: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  const end = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < end) await sleep(50);
  if (isAlive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    const hard = Date.now() + 5_000;
    while (isAlive(pid) && Date.now() < hard) await sleep(50);
  }
}
