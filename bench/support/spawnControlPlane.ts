import { spawn } from 'node:child_process';
import type { StoreStats } from '../../src/orchestrator/store/SqliteStore.js';
import { createInterface } from 'node:readline';
import { serverCommand } from './serverEntry.js';

export interface ControlPlaneProcess {
  apiUrl: string;
  caPem: string;
  token: string;
  home: string;
  /** The server's event-loop delay (ms) since the previous call, and its datastore's figures. */
  loopDelay(): Promise<{ p50: number; p99: number; max: number; store: StoreStats }>;
  stop(): Promise<void>;
}

/** Starts bench/support/controlPlaneProcess.ts in a child process and waits until its API answers. */
export async function spawnControlPlane(env: NodeJS.ProcessEnv = {}): Promise<ControlPlaneProcess> {
  const child = spawn(process.execPath, await serverCommand('bench/support/controlPlaneProcess.ts'), {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async (): Promise<unknown> => {
    const r = await lines.next();
    if (r.done) throw new Error('the bench control plane exited');
    return JSON.parse(r.value as string) as unknown;
  };
  const ready = (await next()) as { apiUrl: string; caPem: string; token: string; home: string };
  return {
    ...ready,
    async loopDelay() {
      child.stdin.write('stats\n');
      return (await next()) as { p50: number; p99: number; max: number; store: StoreStats };
    },
    async stop() {
      const closed = new Promise((r) => child.once('close', r));
      child.stdin.write('stop\n');
      await closed;
    },
  };
}
