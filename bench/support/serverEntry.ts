// How the benches start a control plane in a child process: built as the product ships it (one
// esbuild bundle, as scripts/build.mjs builds dist/main), not through tsx. Run from source, tsx's
// transform wraps every function expression in a `__name(...)` call (esbuild's keepNames) and
// resolves modules through its loader hooks: about 1.5% of the write path's CPU in a profile, work
// the shipped app never does. BENCH_FROM_SOURCE=1 runs the source through tsx instead (a tree
// without a build, or to profile with TypeScript line numbers).
import { build } from 'esbuild';
import { basename, resolve } from 'node:path';
// @ts-expect-error: a plain ES module shared with scripts/build.mjs, without types.
import { workerEntries } from '../../scripts/workerEntries.mjs';

/** Extra node flags for the server (BENCH_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). */
const nodeArgs = (): string[] => (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

const built = new Map<string, Promise<string>>();

/** Bundles `entry` (with the worker threads' code beside it, where the server looks for it) into dist/bench/. */
function bundle(entry: string): Promise<string> {
  let p = built.get(entry);
  if (!p) {
    const name = basename(entry).replace(/\.ts$/, '');
    p = build({
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: true,
      logLevel: 'warning',
      packages: 'external',
      entryPoints: { [name]: entry, ...workerEntries },
      outdir: 'dist/bench',
    }).then(() => resolve('dist/bench', `${name}.js`));
    built.set(entry, p);
  }
  return p;
}

/** The `node` arguments that run the bench server `entry` (a path under bench/, from the repository root), then `args`. */
export async function serverCommand(entry: string, args: string[] = []): Promise<string[]> {
  if (process.env.BENCH_FROM_SOURCE === '1') return [...nodeArgs(), '--import', 'tsx', entry, ...args];
  return [...nodeArgs(), await bundle(entry), ...args];
}
