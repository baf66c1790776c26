// The report as Markdown that pastes into an issue tracker (GitHub, GitLab, Gitea): headings, a facts table,
// fenced C excerpts with a `>` gutter on the crash line, links to the source.
import { formatChain, formatLocation, formatPlace, lineText, markedLabel } from './format.js';
import type { DisasmView, ReportView, SourceExcerpt, ViewFrame, ViewLocation } from './report-view.js';

/** Escapes the characters that Markdown would read as markup inside running text. */
function md(text: string): string {
  return text.replace(/([\\`*_[\]<>|#])/g, '\\$1');
}

function code(text: string): string {
  const ticks = text.includes('`') ? '``' : '`';
  return `${ticks}${ticks.length > 1 ? ' ' : ''}${text}${ticks.length > 1 ? ' ' : ''}${ticks}`;
}

function link(loc: ViewLocation, text: string): string {
  return loc.href ? `[${code(text)}](${loc.href.replace(/\)/g, '%29')})` : code(text);
}

/** A fence longer than any backtick run in the body, so a source line can never close it. */
function fence(body: string[], lang: string): string[] {
  const longest = Math.max(2, ...body.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((m) => m.length))));
  const f = '`'.repeat(longest + 1);
  return [f + lang, ...body, f];
}

function excerptBlock(ex: SourceExcerpt): string[] {
  const numWidth = String(ex.firstLine + ex.lines.length - 1).length;
  return fence(
    ex.lines.map((line, i) => {
      const n = ex.firstLine + i;
      return `${n === ex.focusLine ? '>' : ' '}${String(n).padStart(numWidth)} | ${lineText(line)}`.trimEnd();
    }),
    'c',
  );
}

function frameBlock(frame: ViewFrame): string[] {
  const out = [`- **#${frame.index}** ${code((frame.reliable ? '' : '? ') + frame.label)}${frame.guilty ? ' — **guilty**' : ''}`];
  for (const loc of frame.locations) {
    out.push(`  - ${loc.function ? `${code(loc.function)} at ` : ''}${link(loc, formatPlace(loc))}${loc.inlined ? ' *(inlined)*' : ''}`);
  }
  if (frame.definition) {
    const what = frame.locations.length === 0 ? 'defined at (by name; no debug info)' : 'definition:';
    out.push(`  - ${what} ${link(frame.definition, formatPlace(frame.definition))}`);
  }
  if (frame.callers.length > 0) {
    const more = frame.callersCount && frame.callersCount > frame.callers.length ? ` (${frame.callers.length} of ${frame.callersCount})` : '';
    out.push(`  - callers${more}: ${frame.callers.map((c) => `${code(c.function)} ${link(c.location, formatPlace(c.location))}`).join(', ')}`);
  }
  if (frame.unresolved) out.push(`  - *${md(frame.unresolved)}*`);
  for (const w of frame.warnings) out.push(`  - ⚠ ${md(w)}`);
  if (frame.excerpt && !frame.guilty) out.push('', ...excerptBlock(frame.excerpt).map((l) => `  ${l}`), '');
  return out;
}

function disasmBlock(dis: DisasmView): string[] {
  const body = dis.lines.map((line) =>
    line.kind === 'source'
      ? `${line.focus ? '>' : ' '} ${line.file}:${line.line}  ${line.text.trim()}`
      : `${line.marked ? '=>' : '  '}   ${line.address}:\t${line.bytes.padEnd(21)}\t${line.text}`,
  );
  const out = ['', `## Disassembly of ${code(dis.function)}`, '', `From ${code(dis.object)}, the ${dis.faulting ? 'faulting instruction' : 'call'} marked \`=>\`:`, '', ...fence(body, 'text')];
  if (dis.registers.length > 0) {
    out.push('', 'Registers used by the marked instruction, from the report:', '');
    out.push('| register | value |', '|---|---|', ...dis.registers.map((r) => `| ${r.name} | ${code(r.value)} |`));
  }
  return out;
}

export function renderMarkdown(view: ReportView): string {
  const out: string[] = [...view.wrongBinary.flatMap((w) => [`> **WRONG BINARY:** ${md(w)}`, '']), `# ${md(view.title)}`, ''];
  const meta = [
    `**Kind:** ${md(view.kind)}`,
    view.release ? `**Kernel:** ${code(view.release)}` : undefined,
    view.machine ? `**Machine:** ${md(view.machine)}` : undefined,
    view.task ? `**Task:** ${md(view.task)}` : undefined,
  ].filter((s): s is string => s !== undefined);
  out.push(meta.join(' · '), '');
  if (view.guilty) {
    out.push('## Guilty frame', '');
    const where = view.guilty.location ? ` — ${link(view.guilty.location, formatLocation(view.guilty.location))}` : '';
    out.push(`${code(view.guilty.label)}${where}`, '', `*Why:* ${md(view.guilty.reason)}`);
    const chain = view.stacks[view.guilty.stack]?.frames[view.guilty.frame]?.locations ?? [];
    if (chain.length > 1) out.push('', `*Inlined:* ${code(formatChain(chain))}`);
    if (view.disassembly?.marked) {
      const regs = view.disassembly.registers.map((r) => `${r.name}: ${r.value}`).join(', ');
      const src = view.disassembly.markedSource;
      const from = src ? ` from ${src.href ? `[${code(`${src.file}:${src.line}`)}](${src.href})` : code(`${src.file}:${src.line}`)} ${code(src.text)}` : '';
      out.push('', `*${markedLabel(view.disassembly)}:* ${code(view.disassembly.marked)}${regs ? ` with ${code(regs)}` : ''}${from}`);
    }
    const frame = view.stacks[view.guilty.stack]?.frames[view.guilty.frame];
    if (frame?.excerpt) out.push('', ...excerptBlock(frame.excerpt));
    out.push('');
  }
  for (const n of view.notices) out.push(`> **Note:** ${md(n)}`, '');
  if (view.facts.length > 0) {
    out.push('## Decoded', '', '| | raw | meaning |', '|---|---|---|');
    for (const f of view.facts) out.push(`| ${md(f.label)} | ${f.raw ? code(f.raw) : ''} | ${md(f.meaning)} |`);
    out.push('');
  }
  view.stacks.forEach((stack, i) => {
    out.push(`## Stack ${i + 1}: ${md(stack.context)}`, '');
    for (const frame of stack.frames) out.push(...frameBlock(frame));
    out.push('');
  });
  if (view.disassembly) out.push(...disasmBlock(view.disassembly), '');
  if (view.code) {
    out.push('## `Code:` bytes', '');
    if (view.code.unavailable) out.push(md(view.code.unavailable), '');
    else out.push(...fence([`Code: ${view.code.raw}`], 'text'), '');
    if (view.code.lines.length > 0) {
      out.push(...fence(view.code.lines.map((l) => `${l.marked ? '=>' : '  '} ${l.address ? `${l.address}:\t` : ''}${l.bytes.padEnd(21)}\t${l.text}`), 'text'), '');
    }
  }
  if (view.registers.length > 0) {
    out.push('<details><summary>Registers</summary>', '', ...fence(registerRows(view), 'text'), '', '</details>', '');
  }
  out.push(`<sub>${md(view.generator)}</sub>`, '');
  return out.join('\n');
}

function registerRows(view: ReportView): string[] {
  const rows: string[] = [];
  for (let i = 0; i < view.registers.length; i += 3) {
    rows.push(view.registers.slice(i, i + 3).map((r) => `${r.name}: ${r.value}`).join('  '));
  }
  return rows;
}
