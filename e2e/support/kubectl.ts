import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real kubectl (/usr/bin/kubectl) against a kubeconfig, with its own discovery cache dir
 * (kubectl caches discovery for hours; a shared cache would hide server changes between tests).
 */
export class Kubectl {
  readonly cacheDir = mkdtempSync(join(tmpdir(), 'skiff-kubectl-cache-'));
  constructor(readonly kubeconfig: string, readonly bin = process.env.SKIFF_KUBECTL ?? '/usr/bin/kubectl') {}

  run(args: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<KubectlResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.bin, ['--kubeconfig', this.kubeconfig, '--cache-dir', this.cacheDir, ...args], {
        env: { ...process.env, ...opts.env, KUBECACHEDIR: this.cacheDir },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
      child.stdin.end(opts.input ?? '');
    });
  }

  /** Runs and throws with kubectl's stderr when it fails. */
  async ok(args: string[], opts: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr || r.stdout}`);
    return r.stdout;
  }

  /** Starts a long-running kubectl (get -w, logs -f) and collects its output until `stop()`. */
  stream(args: string[]): { output: () => string; stop: () => void; exited: Promise<number> } {
    const child = spawn(this.bin, ['--kubeconfig', this.kubeconfig, '--cache-dir', this.cacheDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
    return { output: () => out, stop: () => child.kill('SIGTERM'), exited };
  }
}

/** Polls `fn` until it returns a truthy value or `timeoutMs` passes; the error names what was awaited. */
export async function eventually<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last instanceof Error ? last.message : String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
