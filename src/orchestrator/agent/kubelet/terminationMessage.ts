import { chmod, mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Container } from '../../api/types.js';
import type { Runtime } from '../runtime/types.js';

/** At most this much of the file becomes the message (the kubelet's 4 KiB). */
const MAX_FILE_BYTES = 4096;
/** FallbackToLogsOnError: the last 80 lines of the log, at most 2 KiB (the kubelet's limits). */
const FALLBACK_LINES = 80;
const FALLBACK_BYTES = 2048;

/** The host file behind a container run's `terminationMessagePath`. */
export function terminationLogPath(podDataDir: string, container: string, attempt: number): string {
  return join(podDataDir, 'containers', container, String(attempt));
}

/**
 * Makes the run's termination-log file (mode 0666, so any user in the container can write it, as
 * the kubelet does) and returns it, or undefined when the container sets no path.
 */
export async function prepareTerminationLog(podDataDir: string, c: Container, attempt: number): Promise<string | undefined> {
  const target = typeof c.terminationMessagePath === 'string' ? c.terminationMessagePath : '/dev/termination-log';
  if (!target) return undefined;
  const file = terminationLogPath(podDataDir, c.name, attempt);
  await mkdir(join(podDataDir, 'containers', c.name), { recursive: true, mode: 0o755 });
  await (await open(file, 'a', 0o666)).close();
  await chmod(file, 0o666);
  return file;
}

/**
 * The message of a terminated run: the termination-log file's content; with
 * `FallbackToLogsOnError`, when that is empty and the run failed, the tail of its log.
 */
export async function terminationMessage(runtime: Runtime, podDataDir: string, c: Container | undefined, name: string, attempt: number, containerId: string, exitCode: number): Promise<string> {
  let msg = '';
  try {
    const buf = await readFile(terminationLogPath(podDataDir, name, attempt));
    msg = buf.subarray(0, MAX_FILE_BYTES).toString('utf8');
  } catch {
    msg = '';
  }
  if (msg || exitCode === 0 || c?.terminationMessagePolicy !== 'FallbackToLogsOnError') return msg;
  try {
    const stream: Readable = await runtime.logs(containerId, { tail: FALLBACK_LINES });
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
    const all = Buffer.concat(chunks);
    return all.subarray(Math.max(0, all.length - FALLBACK_BYTES)).toString('utf8');
  } catch {
    return '';
  }
}
