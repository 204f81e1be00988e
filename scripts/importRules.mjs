// The import rules of src/ (VS Code's layering lint, kept small). The type checker enforces the
// runtimes (one tsconfig each); these rules enforce what it cannot see:
// - src/orchestrator never imports electron, react, xyflow, or anything under src/main or src/renderer;
// - inside src/orchestrator, each folder imports only the folders below it in LAYERS (tests and
//   testing/ may compose anything);
// - src/renderer never imports Node built-ins or Node-only packages, and from outside src/renderer
//   only the pure API shapes and helpers (api/types, api/resources, api/podutil, api/podResources with
//   api/quantity), the preload bridge's types and the UI
//   server's wire contract (main/wire/);
// - nothing but src/main imports electron.
import { builtinModules } from 'node:module';
import { posix } from 'node:path';

const NODE_ONLY = new Set(['better-sqlite3', 'ssh2', 'dockerode', 'ws', 'node-forge', 'electron', ...builtinModules]);
const RENDERER_MAY_IMPORT = ['orchestrator/api/types', 'orchestrator/api/resources', 'orchestrator/api/podutil', 'orchestrator/api/podResources', 'orchestrator/api/quantity', 'main/preload/bridge', 'main/wire/'];

/**
 * Which orchestrator folders each folder may import (besides itself). The one controller runtime
 * (informers, work queue, runLoop, events, Backoff) lives in client/, so the scheduler, the agent
 * and the host provisioner import client/ and api/, never controllers/ or apiserver/.
 */
export const LAYERS = {
  util: [],
  api: ['util'],
  store: ['util'],
  client: ['api', 'util'],
  scheduler: ['api', 'client', 'util'],
  controllers: ['api', 'client', 'util'],
  agent: ['api', 'client', 'util'],
  provision: ['api', 'client', 'util'],
  apiserver: ['api', 'client', 'store', 'util'],
};

/** Single files allowed one import beyond their folder's layer, each with its reason. */
export const EXCEPTIONS = [
  // The in-process client calls the registry directly: that is what makes it in-process.
  { file: 'orchestrator/client/LocalClient.ts', target: 'apiserver', reason: 'the in-process client wraps the registry' },
  // kube-controller-manager and kube-scheduler run as one here, on one set of shared informers.
  { file: 'orchestrator/controllers/manager.ts', target: 'scheduler', reason: 'starts the scheduler on the shared informers' },
  // The provisioner writes the agent's config file, whose shape the agent owns.
  { file: 'orchestrator/provision/agentFiles.ts', target: 'agent', reason: "writes the agent's config file" },
];

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The orchestrator folder a path under src/ belongs to (`orchestrator/api/x.ts` -> `api`), or undefined. */
function orchestratorFolder(relToSrc) {
  const m = /^orchestrator\/([^/]+)\//.exec(relToSrc);
  return m ? m[1] : undefined;
}

/**
 * The problems of one file, given its path relative to src/ (posix separators) and its text.
 * Returns one message per offending import, with the line number.
 */
export function checkFile(rel, text) {
  const problems = [];
  // Tests, fixtures (testing/, testkit.ts) compose real parts freely.
  const isTest = /\.test\.tsx?$/.test(rel) || /(^|\/)testing\//.test(rel) || /(^|\/)testkit\.ts$/.test(rel);
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3];
    const pkg = spec.startsWith('node:') ? spec.slice(5) : spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    const line = text.slice(0, m.index).split('\n').length;
    const where = `src/${rel}:${line}`;
    const target = spec.startsWith('.') ? posix.normalize(posix.join(posix.dirname(rel), spec)) : undefined;
    if (rel.startsWith('orchestrator/')) {
      if (pkg === 'electron' || pkg === 'react' || pkg === 'react-dom' || pkg.startsWith('@xyflow')) problems.push(`${where}: the orchestrator may not import ${spec}`);
      if (target && /^(main|renderer)\//.test(target)) problems.push(`${where}: the orchestrator may not import ${spec}`);
      const from = orchestratorFolder(rel);
      const to = target ? orchestratorFolder(target) : undefined;
      if (!isTest && from && to && from !== to && from in LAYERS) {
        const ok = LAYERS[from].includes(to) || EXCEPTIONS.some((x) => x.file === rel && x.target === to);
        if (!ok) problems.push(`${where}: ${from}/ may import only ${[...LAYERS[from]].join(', ') || 'nothing'} from the orchestrator, not ${to}/ (${spec})`);
      }
    } else if (rel.startsWith('renderer/')) {
      if (NODE_ONLY.has(pkg) || spec.startsWith('node:')) problems.push(`${where}: the renderer may not import the Node-only module ${spec}`);
      if (target && !target.startsWith('renderer/') && !RENDERER_MAY_IMPORT.some((ok) => target.startsWith(ok))) {
        problems.push(`${where}: the renderer may import only ${RENDERER_MAY_IMPORT.join(', ')} from outside src/renderer (got ${spec})`);
      }
    } else if (!rel.startsWith('main/') && pkg === 'electron') {
      problems.push(`${where}: only src/main may import electron`);
    }
  }
  return problems;
}
