import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types (the lint runs it with node directly)
import { checkFile, EXCEPTIONS, LAYERS } from './importRules.mjs';

const check = checkFile as (rel: string, text: string) => string[];

describe('import rules', () => {
  it.each([
    ['orchestrator/scheduler/x.ts', "import { runLoop } from '../controllers/runner.js';", /scheduler\/ may import only api, client, util .* not controllers\//],
    ['orchestrator/agent/kubelet/x.ts', "import { Registry } from '../../apiserver/registry.js';", /agent\/ may import only .* not apiserver\//],
    ['orchestrator/provision/x.ts', "import type { X } from '../controllers/events.js';", /provision\/ may import only/],
    ['orchestrator/client/x.ts', "import { SqliteStore } from '../store/SqliteStore.js';", /client\/ may import only api, util/],
    ['orchestrator/api/x.ts', "import type { Client } from '../client/types.js';", /api\/ may import only util/],
    ['orchestrator/store/x.ts', "import { errors } from '../api/errors.js';", /store\/ may import only util/],
    ['orchestrator/controllers/x.ts', "import { handler } from '../apiserver/handler.js';", /controllers\/ may import only/],
    ['orchestrator/api/x.ts', "import React from 'react';", /the orchestrator may not import react/],
    ['orchestrator/util/x.ts', "import { x } from '../../main/config.js';", /the orchestrator may not import/],
    ['renderer/views/X.tsx', "import { readFileSync } from 'node:fs';", /Node-only module node:fs/],
    ['renderer/views/X.tsx', "import { Registry } from '../../orchestrator/apiserver/registry.js';", /the renderer may import only/],
    ['orchestrator/client/x.ts', "const e = require('electron');", /the orchestrator may not import electron/],
  ])('%s: %s is refused', (rel, line, message) => {
    const problems = check(rel, `${line}\n`);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it.each([
    ['orchestrator/scheduler/x.ts', "import { runLoop } from '../client/runner.js';"],
    ['orchestrator/agent/kubelet/x.ts', "import { isPodTerminal } from '../../api/podutil.js';"],
    ['orchestrator/agent/kubelet/x.test.ts', "import { Registry } from '../../apiserver/registry.js';"],
    ['orchestrator/agent/testing/fixture.ts', "import { memoryCluster } from '../../testing/memoryCluster.js';"],
    ['orchestrator/client/LocalClient.ts', "import type { Registry } from '../apiserver/registry.js';"],
    ['orchestrator/controlPlane.ts', "import { Registry } from './apiserver/registry.js';"],
    ['renderer/views/X.tsx', "import type { Pod } from '../../orchestrator/api/types.js';"],
    ['main/window.ts', "import { BrowserWindow } from 'electron';"],
  ])('%s: %s is allowed', (rel, line) => {
    expect(check(rel, `${line}\n`)).toEqual([]);
  });

  it('names a reason for every exception, and every exception is still needed', () => {
    const exceptions = EXCEPTIONS as { file: string; target: string; reason: string }[];
    for (const x of exceptions) {
      expect(x.reason).toBeTruthy();
      const text = readFileSync(join('src', x.file), 'utf8');
      expect(text, `${x.file} no longer imports ${x.target}/: drop its exception`).toMatch(new RegExp(`from '(\\.\\./)+${x.target}/`));
    }
    expect(Object.keys(LAYERS as object)).toContain('client');
  });

  it('holds for the whole tree', () => {
    const problems: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|tsx)$/.test(name)) problems.push(...check(relative('src', p).split(sep).join('/'), readFileSync(p, 'utf8')));
      }
    };
    walk('src');
    expect(problems).toEqual([]);
  });
});
