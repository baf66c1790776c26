// Issue 5, acceptance 3: an HTML report of a bundled example rendered by Debian's headless chromium, in light and dark:
// no console errors, no network requests, and the guilty line on screen without scrolling.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateReport, renderHtml } from '../../clients/report/index.js';
import { chromiumPath, screenshotReport } from './support/chromium.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const modulesDir = path.join(repoRoot, 'examples', 'modules');
if (!chromiumPath) console.log('skipping the chromium rendering test: chromium is not installed (apt install chromium)');

describe.skipIf(!chromiumPath)('the HTML report in headless chromium', () => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'crashnav-html-'));

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`${colorScheme}: loads cleanly, offline, with the guilty line visible`, async () => {
      // The inline case: its guilty frame is the CRASH HERE line (null_pointer's is not yet, see examples.test.ts).
      const log = 'examples/oopses/inline_helper.log';
      const { views } = await generateReport({ text: readFileSync(path.join(repoRoot, log), 'utf8'), source: log, root: modulesDir, modules: [modulesDir] });
      const html = path.join(out, 'inline_helper.html');
      writeFileSync(html, renderHtml(views[0]!));
      const png = path.join(out, `inline_helper-${colorScheme}.png`);
      const page = await screenshotReport(html, png, { selector: '#crash-line', colorScheme });
      console.log(`chromium screenshot: ${png}`);
      expect(page.consoleErrors).toEqual([]);
      expect(page.requests).toEqual([]);
      expect(page.elementText).toMatch(/\*counter \+= n;/);
      expect(page.box).toBeDefined();
      expect(page.box!.y).toBeGreaterThanOrEqual(0);
      expect(page.box!.y + page.box!.height).toBeLessThanOrEqual(page.viewport.height);
      expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    });
  }
});
