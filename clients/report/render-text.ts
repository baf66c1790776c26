// The report as plain text that fits 80 columns, for a terminal or a mailing list.
import { expandTabs, formatChain, formatLocation, formatPlace, lineText, markedLabel } from './format.js';
import type { DisasmView, ReportView, SourceExcerpt, ViewFrame } from './report-view.js';

const width = 80;

/** Hard-wraps one line to the width, continuation lines indented by `indent` spaces. */
function wrap(text: string, indent: number): string[] {
  if (text.length <= width) return [text];
  const out: string[] = [];
  let rest = text;
  let first = true;
  while (rest.length > 0) {
    const room = first ? width : width - indent;
    // Break at the last space that fits; cut a word only when it alone is wider than the line.
    const lead = first ? /^ */.exec(rest)![0].length : 0;
    let cut = rest.length <= room ? rest.length : rest.lastIndexOf(' ', room);
    if (cut <= lead) cut = Math.min(room, rest.length);
    out.push((first ? '' : ' '.repeat(indent)) + rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
    first = false;
  }
  return out;
}

function heading(text: string): string[] {
  const lines = wrap(text, 2);
  return ['', ...lines, '-'.repeat(Math.min(width, Math.max(...lines.map((l) => l.length))))];
}

function excerptLines(ex: SourceExcerpt, indent: string): string[] {
  const last = ex.firstLine + ex.lines.length - 1;
  const numWidth = String(last).length;
  const gutter = indent.length + numWidth + 4;
  return ex.lines.flatMap((line, i) => {
    const n = ex.firstLine + i;
    const mark = n === ex.focusLine ? '>' : ' ';
    return wrap(`${indent}${mark} ${String(n).padStart(numWidth)} | ${expandTabs(lineText(line))}`.trimEnd(), gutter);
  });
}

function frameLines(frame: ViewFrame): string[] {
  const out = wrap(`#${frame.index} ${frame.reliable ? '' : '? '}${frame.label}${frame.guilty ? '  <== guilty' : ''}`, 6);
  for (const loc of frame.locations) out.push(...wrap(`     ${formatLocation(loc)}`, 8));
  if (frame.locations.length === 0 && frame.definition) {
    out.push(...wrap(`     defined at ${formatPlace(frame.definition)} (by name; no debug info)`, 8));
  } else if (frame.definition) {
    out.push(...wrap(`     definition: ${formatPlace(frame.definition)}`, 8));
  }
  if (frame.callers.length > 0) {
    const more = frame.callersCount && frame.callersCount > frame.callers.length ? ` (of ${frame.callersCount})` : '';
    out.push(...wrap(`     callers${more}: ${frame.callers.map((c) => `${c.function} (${formatPlace(c.location)})`).join(', ')}`, 8));
  }
  if (frame.unresolved) out.push(...wrap(`     (${frame.unresolved})`, 6));
  for (const w of frame.warnings) out.push(...wrap(`     warning: ${w}`, 8));
  if (frame.excerpt && !frame.guilty) out.push('', ...excerptLines(frame.excerpt, '    '), '');
  else if (frame.excerpt) out.push('     (source: see Guilty frame above)');
  return out;
}

function disasmLines(dis: DisasmView): string[] {
  const out = heading(`Disassembly of ${dis.function} (${dis.object})`);
  for (const line of dis.lines) {
    if (line.kind === 'source') {
      out.push(...wrap(`${line.focus ? '>' : ' '} ${line.file}:${line.line}  ${expandTabs(line.text).trim()}`, 4));
    } else {
      out.push(...wrap(`${line.marked ? '=>' : '  '} ${line.address}:  ${line.text}`, 8));
    }
  }
  if (dis.registers.length > 0) {
    out.push('', `Registers used by the marked instruction (from the report):`);
    for (const r of dis.registers) out.push(`  ${r.name}: ${r.value}`);
  }
  return out;
}

export function renderText(view: ReportView): string {
  const out: string[] = [];
  for (const w of view.wrongBinary) out.push(...wrap(`WRONG BINARY: ${w}`, 2), '');
  out.push(...wrap(view.title, 2), '='.repeat(Math.min(width, view.title.length)));
  out.push(...wrap(`Kind: ${view.kind}`, 2));
  if (view.release) out.push(...wrap(`Kernel release: ${view.release}`, 2));
  if (view.machine) out.push(...wrap(`Machine: ${view.machine}`, 2));
  if (view.task) out.push(...wrap(`Task: ${view.task}`, 2));
  out.push(...wrap(`Report: ${view.source}`, 2));

  if (view.guilty) {
    out.push(...heading('Guilty frame'));
    out.push(...wrap(view.guilty.label, 2));
    if (view.guilty.location) out.push(...wrap(`source: ${formatLocation(view.guilty.location)}`, 2));
    const chain = view.stacks[view.guilty.stack]?.frames[view.guilty.frame]?.locations ?? [];
    if (chain.length > 1) out.push(...wrap(`inlined: ${formatChain(chain)}`, 4));
    out.push(...wrap(`why: ${view.guilty.reason}`, 5));
    if (view.disassembly?.marked) {
      const regs = view.disassembly.registers.map((r) => `${r.name}: ${r.value}`).join(', ');
      out.push(...wrap(`${markedLabel(view.disassembly)}: ${view.disassembly.marked}`, 2));
      if (regs) out.push(...wrap(`  with ${regs} (from the report)`, 4));
      const src = view.disassembly.markedSource;
      if (src) out.push(...wrap(`  from ${src.file}:${src.line}: ${src.text}`, 4));
    }
    const frame = view.stacks[view.guilty.stack]?.frames[view.guilty.frame];
    if (frame?.excerpt) out.push('', ...excerptLines(frame.excerpt, '  '));
  }
  if (view.notices.length > 0) {
    out.push(...heading('Notes'));
    for (const n of view.notices) out.push(...wrap(`* ${n}`, 2));
  }
  if (view.facts.length > 0) {
    out.push(...heading('Decoded'));
    const labelWidth = Math.max(...view.facts.map((f) => f.label.length));
    for (const f of view.facts) {
      out.push(...wrap(`${f.label.padEnd(labelWidth)}  ${f.raw ? `${f.raw}: ` : ''}${f.meaning}`, labelWidth + 2));
    }
  }
  view.stacks.forEach((stack, i) => {
    out.push(...heading(`Stack ${i + 1}: ${stack.context}`));
    for (const frame of stack.frames) out.push(...frameLines(frame));
  });
  if (view.disassembly) out.push(...disasmLines(view.disassembly));
  if (view.code) {
    out.push(...heading('Code: bytes'));
    if (view.code.unavailable) out.push(...wrap(view.code.unavailable, 2));
    else out.push(...wrap(`Code: ${view.code.raw}`, 6), '');
    for (const l of view.code.lines) {
      out.push(...wrap(`${l.marked ? '=>' : '  '} ${l.address ? `${l.address}:  ` : ''}${l.bytes.padEnd(21)} ${l.text}`, 8));
    }
  }
  if (view.registers.length > 0) {
    out.push(...heading('Registers'));
    for (let i = 0; i < view.registers.length; i += 3) {
      out.push(
        view.registers
          .slice(i, i + 3)
          .map((r) => `${r.name.padStart(6)}: ${r.value}`)
          .join(' '),
      );
    }
  }
  out.push('', ...wrap(view.generator, 2));
  return out.join('\n') + '\n';
}
