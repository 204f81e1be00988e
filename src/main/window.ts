import { BrowserWindow } from 'electron';

export interface WindowOptions {
  url: string;
  /** The only origin the window may show; anything else opens in the system browser or is refused. */
  origin: string;
  preload: string;
  openExternal(url: string): void;
}

/** The main window, hardened: context isolation, sandbox, no Node in the page, navigation pinned to our origin. */
export function createMainWindow(o: WindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Skiff',
    backgroundColor: '#0f172a',
    webPreferences: {
      preload: o.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://')) o.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (ev, url) => {
    if (!url.startsWith(o.origin)) ev.preventDefault();
  });
  void win.loadURL(o.url);
  return win;
}
