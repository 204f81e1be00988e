/** What the preload exposes as `window.skiff` (types only: the renderer may import this file). */
export interface DesktopBridge {
  desktop: true;
  platform: string;
}
