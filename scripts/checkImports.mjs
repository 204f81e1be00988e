// Import rules the type checker cannot see (VS Code's layering, kept small):
// - src/orchestrator never imports electron, react or anything under src/main or src/renderer;
// - src/renderer never imports Node built-ins or Node-only packages, and from the orchestrator only
//   the pure API shapes (api/types, api/resources);
// - nothing but src/main imports electron.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { builtinModules } from 'node:module';

const NODE_ONLY = new Set(['better-sqlite3', 'ssh2', 'dockerode', 'ws', 'node-forge', 'electron', ...builtinModules]);
const RENDERER_MAY_IMPORT = ['orchestrator/api/types', 'orchestrator/api/resources', 'main/preload/bridge'];

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(ts|tsx)$/.test(name)) yield p;
  }
}

const problems = [];
for (const file of files('src')) {
  const text = readFileSync(file, 'utf8');
  const rel = relative('src', file);
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g)) {
    const spec = m[1] ?? m[2] ?? m[3];
    const pkg = spec.startsWith('node:') ? spec.slice(5) : spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    const line = text.slice(0, m.index).split('\n').length;
    const where = `${file}:${line}`;
    if (rel.startsWith('orchestrator/')) {
      if (pkg === 'electron' || pkg === 'react' || pkg === 'react-dom' || pkg.startsWith('@xyflow')) problems.push(`${where}: the orchestrator may not import ${spec}`);
      if (/(^|\/)(main|renderer)\//.test(spec) && spec.startsWith('.') && /\.\.\/(\.\.\/)*(main|renderer)\//.test(spec)) problems.push(`${where}: the orchestrator may not import ${spec}`);
    } else if (rel.startsWith('renderer/')) {
      if (NODE_ONLY.has(pkg) || spec.startsWith('node:')) problems.push(`${where}: the renderer may not import the Node-only module ${spec}`);
      if (spec.startsWith('.') && /(orchestrator|main)\//.test(spec) && !RENDERER_MAY_IMPORT.some((ok) => spec.includes(ok))) {
        problems.push(`${where}: the renderer may import only ${RENDERER_MAY_IMPORT.join(', ')} from outside src/renderer (got ${spec})`);
      }
    } else if (!rel.startsWith('main/') && pkg === 'electron') {
      problems.push(`${where}: only src/main may import electron`);
    }
  }
}
if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`\n${problems.length} import rule violation(s)`);
  process.exit(1);
}
console.log('import rules: ok');
