import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium: Playwright's own browser download is not reachable on these machines. */
export const CHROMIUM_PATH = process.env.SKIFF_CHROMIUM ?? '/usr/bin/chromium';

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** Where screenshots go (git-ignored): `e2e/artifacts` under the repository root tests run from. */
export function artifactsDir(): string {
  return process.env.SKIFF_E2E_ARTIFACTS ?? path.resolve(process.cwd(), 'e2e/artifacts');
}

export interface LaunchedBrowser {
  context: BrowserContext;
  /** The context's first page, ready to `goto`. */
  page: Page;
  /** Closes the browser and deletes its profile directory. */
  close(): Promise<void>;
}

/**
 * Starts headless Chromium with a fresh, throwaway profile (no cookies or cache shared between runs),
 * a 1440x900 viewport, and page errors forwarded to the test's console.
 */
export async function launchBrowser(opts: { viewport?: { width: number; height: number }; headless?: boolean } = {}): Promise<LaunchedBrowser> {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'skiff-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: opts.headless ?? true,
      args: ARGS,
      viewport: opts.viewport ?? { width: 1440, height: 900 },
    });
  } catch (e) {
    await rm(userDataDir, { recursive: true, force: true });
    throw e;
  }
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Saves a full-window PNG as `e2e/artifacts/<name>.png` and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = artifactsDir();
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${name.replace(/[^a-zA-Z0-9._-]+/g, '-')}.png`);
  await page.screenshot({ path: file });
  return file;
}
