// The three renderers on a view made from a real lab crash: text fits 80 columns, Markdown fences and links
// are well formed, HTML is self-contained with light and dark styles and the crash line anchored.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderHtml, renderMarkdown, renderText } from '../../clients/report/index.js';
import { labView } from './support/lab-view.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const lab = path.resolve(repoRoot, '../shared/crashes/lab');
const haveLab = existsSync(path.join(lab, 'frames.jsonl'));
if (!haveLab) console.log(`skipping renderer tests on lab data: ${lab} is absent`);

describe.skipIf(!haveLab)('renderers on the lab c_bugon crash', () => {
  const view = haveLab ? labView(lab, 'c_bugon') : undefined!;

  it('text: every line fits 80 columns, the crash line is marked, the inline chain is named', () => {
    const text = renderText(view);
    expect(text.split('\n').filter((l) => [...l].length > 80)).toEqual([]);
    expect(text).toMatch(/^ {2}> 24 \| {9}BUG_ON\(it->magic != ITEM_MAGIC\);$/m);
    expect(text).toMatch(/^ {4}> 47 \| {9}pr_info\(/m);
    expect(text).toContain('item_check_magic at modules/crash_bugon/crash_bugon.c:24 (inlined)');
    expect(text).toContain('item_get at modules/crash_bugon/crash_bugon.c:29 (inlined)');
    expect(text).not.toContain('\t');
  });

  it('markdown: fences balance, links carry the line, the crash line has the > gutter', () => {
    const md = renderMarkdown(view);
    const fences = md.split('\n').filter((l) => /^\s*```/.test(l));
    expect(fences.length % 2).toBe(0);
    expect(md).toContain(`(file://${lab}/modules/crash_bugon/crash_bugon.c#L24)`);
    expect(md).toMatch(/^>24 \| \tBUG_ON\(it->magic != ITEM_MAGIC\);$/m);
  });

  it('html: one self-contained file, light and dark, the crash line anchored and highlighted', () => {
    const html = renderHtml(view);
    expect(html).toMatch(/@media \(prefers-color-scheme: dark\)/);
    expect(html).not.toMatch(/<script|<link|src="(?!data:)|url\(/);
    expect(html.match(/id="crash-line"/g)).toHaveLength(1);
    expect(html).toMatch(/id="crash-line"><span class="ln">24<\/span>\t<span class="hl-function">BUG_ON<\/span>/);
  });
});

describe.skipIf(!haveLab)('a wrong binary opens every format', () => {
  const warning = 'vmlinux-6.1.0-53-cloud-amd64 is release 6.1.0-53-cloud-amd64, the report 6.12.0-1-amd64';
  const view = haveLab ? { ...labView(lab, 'c_bugon'), wrongBinary: [warning] } : undefined!;

  it.each([
    ['text', () => renderText(view), /^WRONG BINARY: vmlinux-6\.1\.0-53/],
    ['markdown', () => renderMarkdown(view), /^> \*\*WRONG BINARY:\*\* vmlinux-6\\?\.1\\?\.0-53/],
    ['html', () => renderHtml(view).replace(/^[\s\S]*?<body>/, ''), /^\s*(?:<[^>]+>\s*)*<div class="notice wrong-binary"><b>WRONG BINARY:<\/b> vmlinux-6\.1\.0-53/],
  ])('%s: the banner comes before the title', (_, render, banner) => {
    const out = render();
    expect(out).toMatch(banner);
    expect(out.indexOf('WRONG BINARY')).toBeLessThan(out.indexOf('lab run c'));
  });
});
