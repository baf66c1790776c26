// Renders an HTML report in Debian's headless chromium through playwright-core, with the flags this sandboxed
// machine needs, and reports what a reader would see: console errors, failed requests, the crash line's box.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

export const chromiumPath = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

export interface PageCheck {
  consoleErrors: string[];
  /** Requests the page tried to make: a self-contained report makes none. */
  requests: string[];
  /** The element's box, in CSS pixels of the viewport, when it exists. */
  box?: { x: number; y: number; width: number; height: number };
  viewport: { width: number; height: number };
  elementText?: string;
}

export async function screenshotReport(
  htmlFile: string,
  pngFile: string,
  options: { selector: string; colorScheme: 'light' | 'dark' },
): Promise<PageCheck> {
  if (!chromiumPath) throw new Error('chromium is not installed');
  const userDataDir = mkdtempSync(path.join(os.tmpdir(), 'crashnav-chromium-'));
  const viewport = { width: 1280, height: 900 };
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    viewport,
    colorScheme: options.colorScheme,
    offline: true,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
    const url = pathToFileURL(htmlFile).href;
    page.on('request', (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    await page.goto(url, { waitUntil: 'load' });
    const el = page.locator(options.selector).first();
    const box = (await el.count()) > 0 ? ((await el.boundingBox()) ?? undefined) : undefined;
    const elementText = box ? await el.innerText() : undefined;
    await page.screenshot({ path: pngFile });
    return { consoleErrors, requests, box, viewport, elementText };
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}
