// Electron main: the composition root of the desktop app. Starts the control plane, serves the UI on
// 127.0.0.1 and opens a hardened window on it. Everything cluster-related lives in src/orchestrator.
import { app, BrowserWindow, dialog, safeStorage, shell } from 'electron';
import { join, sep } from 'node:path';
import { scanHostKey } from '../orchestrator/provision/index.js';
import { startControlPlane, type ControlPlane } from '../orchestrator/controlPlane.js';
import { consoleLogger } from '../orchestrator/util/logger.js';
import { configFromEnv } from './config.js';
import { startUiServer, type UiServer } from './uiServer.js';
import { KeychainKeyProvider } from './keychainKeyProvider.js';
import { createMainWindow } from './window.js';

let cp: ControlPlane | undefined;
let ui: UiServer | undefined;

async function boot(): Promise<void> {
  const dist = join(__dirname, '..');
  const cfg = configFromEnv(process.env, dist, 0);
  // Packaged, the agent bundle lives outside the asar archive (electron-builder.yml asarUnpack),
  // since it is read by SFTP and pushed to hosts as a plain file.
  cfg.cp.agentBundlePath = cfg.cp.agentBundlePath.replace(`app.asar${sep}`, `app.asar.unpacked${sep}`);
  // The key for encryption at rest, sealed by the OS keychain (safeStorage works once the app is ready).
  cfg.cp.keyProvider = new KeychainKeyProvider(safeStorage, join(cfg.cp.home, 'pki'), consoleLogger({ component: 'keychain' }));
  cp = await startControlPlane(cfg.cp);
  ui = await startUiServer({ port: cfg.uiPort, rendererDir: join(dist, 'renderer'), api: cp.handler, scanHostKey: (address, port) => scanHostKey(address, port) });
  const origin = `http://127.0.0.1:${ui.port}`;
  createMainWindow({ url: ui.loginUrl(), origin, preload: join(__dirname, 'preload.js'), openExternal: (u) => void shell.openExternal(u) });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => BrowserWindow.getAllWindows()[0]?.focus());
  app.whenReady().then(boot).catch((e: unknown) => {
    dialog.showErrorBox('Skiff could not start', e instanceof Error ? e.message : String(e));
    app.exit(1);
  });
  app.on('window-all-closed', () => app.quit());
  let quitting = false;
  app.on('before-quit', (ev) => {
    if (quitting) return;
    quitting = true;
    ev.preventDefault();
    // Containers keep running: disposing only stops the control plane and the local agent.
    void (async () => {
      await ui?.close();
      await cp?.dispose();
      app.quit();
    })();
  });
}
