// Builds every runtime's bundle with esbuild: Electron main + preload, the headless server, the node
// agent (one self-contained file pushed to hosts) and the renderer. Output goes to dist/ (ignored).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { workerEntries } from './workerEntries.mjs';

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist/renderer', { recursive: true });

const node = { bundle: true, platform: 'node', target: 'node20', format: 'cjs', sourcemap: true, logLevel: 'warning' };

await Promise.all([
  // Main-process code keeps node_modules external: native modules (better-sqlite3) load from there.
  build({ ...node, entryPoints: { main: 'src/main/main.ts' }, outdir: 'dist/main', packages: 'external' }),
  build({ ...node, entryPoints: { serve: 'src/main/serve.ts' }, outdir: 'dist/main', packages: 'external' }),
  // What the main process runs on worker threads (scripts/workerEntries.mjs).
  build({ ...node, entryPoints: workerEntries, outdir: 'dist/main', packages: 'external' }),
  // A sandboxed preload may only require 'electron': bundle everything else in.
  build({ ...node, entryPoints: { preload: 'src/main/preload/preload.ts' }, outdir: 'dist/main', external: ['electron'] }),
  // The agent runs on hosts without node_modules: everything bundled; optional native add-ons
  // (ssh2's crypto binding, cpu-features) are left out and their pure-JS fallbacks used.
  build({ ...node, entryPoints: { 'skiff-agent': 'src/orchestrator/agent/main.ts' }, outdir: 'dist/agent', external: ['cpu-features', '*.node'], sourcemap: false, minify: false }),
  build({
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'esm',
    jsx: 'automatic',
    entryPoints: { app: 'src/renderer/main.tsx' },
    outdir: 'dist/renderer',
    // Lazily imported parts (CodeMirror, xterm.js) become chunks loaded on first use, so the first
    // paint does not wait for code it does not run.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    loader: { '.css': 'css', '.svg': 'dataurl', '.png': 'dataurl' },
    sourcemap: true,
    minify: true,
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  }),
]);
copyFileSync('src/renderer/index.html', 'dist/renderer/index.html');
console.log('built dist/main, dist/agent, dist/renderer');
