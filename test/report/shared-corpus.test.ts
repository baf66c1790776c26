// Every crash text of ../shared/crashes (mailing lists, boot logs, crash sessions, a sample of syzkaller's)
// goes through the whole report without an exception, and its text form fits 80 columns.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateReport, renderHtml, renderMarkdown, renderText } from '../../clients/report/index.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const crashes = path.resolve(repoRoot, '../shared/crashes');
const haveCrashes = existsSync(crashes);
if (!haveCrashes) console.log(`skipping the shared corpus report test: ${crashes} is absent`);

function filesOf(dir: string, every = 1): string[] {
  const all = readdirSync(dir)
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile())
    .sort();
  return all.filter((_, i) => i % every === 0);
}

describe.skipIf(!haveCrashes)('reports of the shared crash corpus', () => {
  it('render in all three formats, text within 80 columns', async () => {
    const files = [
      ...filesOf(path.join(crashes, 'wild')),
      ...filesOf(path.join(crashes, 'crash-utility')),
      ...filesOf(path.join(crashes, 'syzkaller', 'report'), 5),
    ];
    let reports = 0;
    const wide: string[] = [];
    for (const file of files) {
      const { views } = await generateReport({ text: readFileSync(file, 'utf8'), source: path.relative(crashes, file) });
      for (const view of views) {
        reports++;
        const long = renderText(view)
          .split('\n')
          .find((l) => [...l].length > 80);
        if (long !== undefined) wide.push(`${view.source}: ${long}`);
        expect(renderHtml(view)).toMatch(/<\/html>\n$/);
        expect(renderMarkdown(view)).toContain(view.title.slice(0, 10).replace(/([\\`*_[\]<>|#])/g, '\\$1'));
      }
    }
    console.log(`${files.length} crash texts, ${reports} reports rendered`);
    expect(wide).toEqual([]);
    expect(reports).toBeGreaterThan(files.length / 2);
  });
});
