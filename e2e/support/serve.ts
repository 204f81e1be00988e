import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

export interface ServeProcess {
  child: ChildProcess;
  /** The one-time login URL `npm run serve` printed. */
  loginUrl: string;
  output(): string;
  /** SIGTERM, then wait for a clean exit (SIGKILL after 20 s). */
  stop(): Promise<void>;
}

/**
 * Starts browser mode as a user does (`node dist/main/serve.js`, what `npm run serve` runs after the
 * build) and waits for its login URL. `SKIFF_TEST_LOG=1` echoes its output.
 */
export async function startServe(env: Record<string, string>, timeoutMs = 60_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [resolve('dist/main/serve.js')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const onData = (d: Buffer) => {
    out += d.toString();
    if (process.env.SKIFF_TEST_LOG) process.stderr.write(d);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const loginUrl = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`serve printed no login URL in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      const m = out.match(/open (http:\/\/127\.0\.0\.1:\d+\/login\?code=\S+)/);
      if (m) {
        clearTimeout(timer);
        res(m[1] as string);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      rej(new Error(`serve exited with ${code} before it was ready:\n${out}`));
    });
  });
  return {
    child,
    loginUrl,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
    },
  };
}
