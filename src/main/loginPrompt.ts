// Browser mode's login URLs work once each (uiServer.ts). On a terminal, Enter prints another, for
// a second browser or a cleared cookie, without restarting the control plane.
import type { Readable, Writable } from 'node:stream';

/** Prints a fresh login URL (from `mint`) to `out` each time a line is entered on `input`, when `input` is a terminal. Returns a disposer. */
export function loginOnEnter(input: Readable & { isTTY?: boolean }, out: Pick<Writable, 'write'>, mint: () => string): () => void {
  if (!input.isTTY) return () => undefined;
  out.write('  (press Enter for another one-time login URL)\n');
  let pending = '';
  const onData = (chunk: Buffer | string) => {
    pending += chunk.toString();
    let i;
    while ((i = pending.indexOf('\n')) >= 0) {
      pending = pending.slice(i + 1);
      out.write(`  UI:         open ${mint()}\n`);
    }
  };
  input.on('data', onData);
  return () => {
    input.off('data', onData);
    input.pause();
  };
}
