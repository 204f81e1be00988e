import type { StreamOptions } from '../../client/remotecommand.js';
import { HttpError } from './httpError.js';

/** `stdin`, `stdout`, `stderr`, `tty` (and, for exec, the repeated `command`) of an exec/attach URL. */
export function parseStreamQuery(q: URLSearchParams, needCommand: boolean): StreamOptions & { command: string[] } {
  const flag = (k: string) => ['true', '1'].includes(q.get(k) ?? '');
  const o = { stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr'), tty: flag('tty'), command: q.getAll('command') };
  if (needCommand && o.command.length === 0) throw new HttpError(400, 'you must specify at least one command for the container');
  if (!o.stdin && !o.stdout && !o.stderr) throw new HttpError(400, 'you must specify at least one of stdin, stdout, stderr');
  // A terminal merges stderr into stdout (the client then opens no stderr channel).
  if (o.tty) o.stderr = false;
  return o;
}
