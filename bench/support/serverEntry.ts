// How the benches start a control plane in a child process: built as the product ships it (one
// esbuild bundle, as scripts/build.mjs builds dist/main), not through tsx. Run from source, tsx's
// transform wraps every function expression in a `__name(...)` call (esbuild's keepNames) and
// resolves modules through its loader hooks: about 1.5% of the write path's CPU in a profile, work
// the shipped app never does. BENCH_FROM_SOURCE=1 runs the source through tsx instead (a tree
// without a build, or to profile with TypeScript line numbers).
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
// @ts-expect-error: a plain ES module shared with scripts/build.mjs, without types.
import { workerEntries } from '../../scripts/workerEntries.mjs';

/** Extra node flags for the server (BENCH_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`). */
const nodeArgs = (): string[] => (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

const built = new Map<string, Promise<string>>();

/** The worker threads' entries of the tree at `root` (older trees, before scripts/workerEntries.mjs, had one). */
async function workerEntriesOf(root: string): Promise<Record<string, string>> {
  if (root === '.') return workerEntries as Record<string, string>;
  const list = resolve(root, 'scripts/workerEntries.mjs');
  if (!existsSync(list)) return { bodyDecodeWorker: 'src/orchestrator/apiserver/bodyDecodeWorker.ts' };
  return ((await import(pathToFileURL(list).href)) as { workerEntries: Record<string, string> }).workerEntries;
}

/**
 * Bundles `entry` of the tree at `root` (this one, or another checkout to compare with) with the
 * worker threads' code beside it, where the server looks for it, into that tree's dist/bench/.
 */
function bundle(entry: string, root = '.'): Promise<string> {
  const id = `${root}:${entry}`;
  let p = built.get(id);
  if (!p) {
    const name = basename(entry).replace(/\.ts$/, '');
    p = workerEntriesOf(root).then((workers) => build({
      absWorkingDir: resolve(root),
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: true,
      logLevel: 'warning',
      packages: 'external',
      entryPoints: { [name]: entry, ...workers },
      outdir: 'dist/bench',
    })).then(() => resolve(root, 'dist/bench', `${name}.js`));
    built.set(id, p);
  }
  return p;
}

/**
 * The `node` arguments that run the bench server `entry` (a path under bench/, from the repository
 * root), then `args`; `root`: the checkout to run it from (default this one).
 */
export async function serverCommand(entry: string, args: string[] = [], root = '.'): Promise<string[]> {
  if (process.env.BENCH_FROM_SOURCE === '1' && root === '.') return [...nodeArgs(), '--import', 'tsx', entry, ...args];
  return [...nodeArgs(), await bundle(entry, root), ...args];
}
