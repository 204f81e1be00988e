// The preload: a tiny, typed surface. The UI talks to the cluster over HTTP like any client; this
// only tells it that it runs inside the desktop app.
import { contextBridge } from 'electron';
import type { DesktopBridge } from './bridge.js';

const bridge: DesktopBridge = { desktop: true, platform: process.platform };
contextBridge.exposeInMainWorld('skiff', bridge);
