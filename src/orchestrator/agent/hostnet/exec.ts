import { spawn } from 'node:child_process';

/** What one program returned. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs host programs for the component: an argument vector, never a shell, optional standard
 * input. The real one spawns; unit tests give a fake that records the calls.
 */
export interface CommandRunner {
  run(cmd: string, args: readonly string[], opts?: { input?: string; timeoutMs?: number }): Promise<CommandResult>;
}

/** The sbin directories a non-login PATH often lacks: iptables and ip live there. */
const SBIN = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

export const spawnRunner: CommandRunner = {
  run(cmd, args, opts = {}) {
    const path = [...(process.env.PATH ?? '/usr/bin:/bin').split(':'), ...SBIN].filter((v, i, a) => v && a.indexOf(v) === i).join(':');
    return new Promise((resolve) => {
      const child = spawn(cmd, [...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PATH: path, LC_ALL: 'C' } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
      child.on('error', (e) => {
        clearTimeout(timer);
        resolve({ code: 127, stdout, stderr: `${cmd}: ${e.message}` });
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
      child.stdin.on('error', () => {});
      child.stdin.end(opts.input ?? '');
    });
  },
};

/** Runs and throws an Error with the program's message when it fails. */
export async function runOk(r: CommandRunner, cmd: string, args: readonly string[], opts?: { input?: string }): Promise<string> {
  const res = await r.run(cmd, args, opts);
  if (res.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${res.code === null ? 'killed' : `exit ${res.code}`}): ${(res.stderr || res.stdout).trim().split('\n').slice(0, 6).join('; ')}`);
  return res.stdout;
}
