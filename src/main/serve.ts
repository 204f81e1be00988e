// Browser mode: the same control plane as the desktop app, headless, with the UI served to a browser
// on 127.0.0.1. Prints a one-time login URL (on a terminal, Enter prints another). `--rotate-encryption-key` rotates the key for encryption
// at rest once the control plane is up (README: Encryption at rest).
import { join } from 'node:path';
import { scanHostKey } from '../orchestrator/provision/index.js';
import { startControlPlane } from '../orchestrator/controlPlane.js';
import { configFromEnv } from './config.js';
import { loginOnEnter } from './loginPrompt.js';
import { startUiServer } from './uiServer.js';

async function main(): Promise<void> {
  const dist = join(__dirname, '..');
  const cfg = configFromEnv(process.env, dist, 6480);
  const cp = await startControlPlane(cfg.cp);
  if (process.argv.includes('--rotate-encryption-key')) {
    const r = await cp.datastore.rotateEncryptionKey();
    process.stdout.write(`Rotated the encryption key: ${r.key} now encrypts; ${r.rewritten} values re-encrypted; dropped ${r.dropped.join(', ') || 'no key'}.\n`);
  }
  const ui = await startUiServer({ port: cfg.uiPort, rendererDir: join(dist, 'renderer'), api: cp.handler, scanHostKey: (address, port) => scanHostKey(address, port) });
  process.stdout.write(
    [
      '',
      `Skiff control plane is running.`,
      `  API:        ${cp.apiUrl}`,
      `  kubeconfig: ${cp.kubeconfigPath}   (kubectl --kubeconfig ${cp.kubeconfigPath} get nodes)`,
      `  node:       ${cp.localNodeMessage}`,
      `  UI:         open ${ui.loginUrl()}`,
      '',
    ].join('\n') + '\n',
  );
  const stopPrompt = loginOnEnter(process.stdin, process.stdout, () => ui.loginUrl());
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    stopPrompt();
    await ui.close();
    await cp.dispose();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((e: unknown) => {
  process.stderr.write(`skiff: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
