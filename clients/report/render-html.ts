// The report as one self-contained HTML file: inline CSS only (no script, no font, no network), light and dark
// through prefers-color-scheme, C excerpts coloured from tree-sitter's highlight captures.
import { formatChain, formatLocation, formatPlace, markedLabel } from './format.js';
import type { HighlightedLine } from './highlight-c.js';
import type { CodeView, DisasmView, ReportView, SourceExcerpt, ViewFrame, ViewLocation } from './report-view.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const style = `
:root { color-scheme: light dark; --bg: #fdfdfc; --fg: #1d1f21; --muted: #5c6166; --line: #e3e5e8; --panel: #f4f5f7;
  --focus: #fff1c2; --focus-edge: #d9a300; --bad: #b3261e; --link: #0b57d0;
  --keyword: #8f3fb0; --type: #0b6e69; --function: #1a56b8; --string: #a23b00; --number: #9a5b00; --comment: #6a737d;
  --constant: #b0306b; --property: #275d38; --operator: #5c6166; --label: #8f3fb0; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #15171a; --fg: #e3e5e8; --muted: #9aa0a6; --line: #2c3036; --panel: #1d2024;
    --focus: #4a3b0b; --focus-edge: #f0c000; --bad: #ff8a80; --link: #8ab4f8;
    --keyword: #d7a3f0; --type: #6fd3cc; --function: #8ab4f8; --string: #f6ad7b; --number: #f2c97d; --comment: #8b949e;
    --constant: #f48fb1; --property: #a5d6a7; --operator: #9aa0a6; --label: #d7a3f0; }
}
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 72rem; padding: 1.5rem; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { font-size: 1.45rem; margin: 0 0 .4rem; color: var(--bad); }
h2 { font-size: 1.15rem; margin: 2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 1px solid var(--line); }
a { color: var(--link); }
code, pre { font: 13px/1.45 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
pre { margin: .4rem 0; padding: .5rem 0; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; overflow-x: auto; }
pre > span { display: block; padding: 0 .8rem; white-space: pre; }
pre > span.focus { background: var(--focus); box-shadow: inset 4px 0 0 var(--focus-edge); font-weight: 600; }
.ln { display: inline-block; width: 6ch; margin-right: 2ch; text-align: right; color: var(--muted); user-select: none; }
.meta { color: var(--muted); margin: 0 0 1rem; overflow-wrap: anywhere; }
.meta b { color: var(--fg); font-weight: 600; }
.notice { border-left: 4px solid var(--focus-edge); background: var(--panel); padding: .6rem .9rem; margin: .6rem 0; }
table { border-collapse: collapse; }
td, th { text-align: left; vertical-align: top; padding: .2rem .9rem .2rem 0; border-bottom: 1px solid var(--line); }
th { font-weight: 600; }
.guilty { border: 2px solid var(--focus-edge); border-radius: 8px; padding: .8rem 1rem; background: var(--panel); }
.frame { margin: .5rem 0; padding: .4rem .6rem; border-radius: 6px; }
.frame.is-guilty { border: 2px solid var(--focus-edge); }
.frame .label { font-weight: 600; }
.frame.unreliable .label { color: var(--muted); font-weight: 400; }
.frame ul { margin: .2rem 0; padding-left: 1.4rem; }
.tag { font-size: 11px; padding: 0 .4em; border-radius: 4px; border: 1px solid var(--line); color: var(--muted); margin-left: .4em; }
.tag.bad { color: var(--bad); border-color: var(--bad); }
.warn { color: var(--bad); }
.muted { color: var(--muted); list-style: none; }
.regs { display: grid; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); gap: 0 1rem; }
.hl-keyword { color: var(--keyword); } .hl-type { color: var(--type); } .hl-function, .hl-function-special { color: var(--function); }
.hl-string { color: var(--string); } .hl-number { color: var(--number); } .hl-comment { color: var(--comment); font-style: italic; }
.hl-constant { color: var(--constant); } .hl-property { color: var(--property); } .hl-operator, .hl-delimiter { color: var(--operator); }
.hl-label { color: var(--label); }
footer { margin-top: 2rem; color: var(--muted); font-size: 12px; }
`;

function a(loc: ViewLocation, text: string): string {
  const body = `<code>${escapeHtml(text)}</code>`;
  return loc.href ? `<a href="${escapeHtml(loc.href)}">${body}</a>` : body;
}

function tokens(line: HighlightedLine): string {
  return line
    .map((t) => (t.kind ? `<span class="hl-${t.kind.replace(/\./g, '-')}">${escapeHtml(t.text)}</span>` : escapeHtml(t.text)))
    .join('');
}

function excerpt(ex: SourceExcerpt, anchor?: string): string {
  const rows = ex.lines.map((line, i) => {
    const n = ex.firstLine + i;
    const focus = n === ex.focusLine;
    const id = focus && anchor ? ` id="${anchor}"` : '';
    return `<span${focus ? ` class="focus"${id}` : ''}><span class="ln">${n}</span>${tokens(line)}</span>`;
  });
  return `<pre class="source" data-file="${escapeHtml(ex.file)}" style="tab-size: 8">${rows.join('')}</pre>`;
}

function frame(f: ViewFrame): string {
  const classes = ['frame', f.guilty ? 'is-guilty' : '', f.reliable ? '' : 'unreliable'].filter(Boolean).join(' ');
  const tags = [
    f.guilty ? '<span class="tag bad">guilty</span>' : '',
    f.reliable ? '' : '<span class="tag" title="the unwinder found this address on the stack but could not prove it is a return address">?</span>',
    f.provenance ? `<span class="tag">${escapeHtml(f.provenance)}</span>` : '',
  ].join('');
  const items: string[] = f.locations.map(
    (loc) => `<li>${loc.function ? `<code>${escapeHtml(loc.function)}</code> at ` : ''}${a(loc, formatPlace(loc))}${loc.inlined ? ' <span class="tag">inlined</span>' : ''}</li>`,
  );
  if (f.definition) {
    const what = f.locations.length === 0 ? 'defined at' : 'definition:';
    const note = f.locations.length === 0 ? ' <span class="tag">by name; no debug info</span>' : '';
    items.push(`<li>${what} ${a(f.definition, formatPlace(f.definition))}${note}</li>`);
  }
  if (f.callers.length > 0) {
    const more = f.callersCount && f.callersCount > f.callers.length ? ` (${f.callers.length} of ${f.callersCount})` : '';
    items.push(`<li>callers${more}: ${f.callers.map((c) => `<code>${escapeHtml(c.function)}</code> ${a(c.location, formatPlace(c.location))}`).join(', ')}</li>`);
  }
  if (f.unresolved) items.push(`<li class="muted">${escapeHtml(f.unresolved)}</li>`);
  for (const w of f.warnings) items.push(`<li class="warn">${escapeHtml(w)}</li>`);
  return `<div class="${classes}"><div><span class="label"><code>#${f.index} ${escapeHtml(f.label)}</code></span>${tags}</div>${
    items.length ? `<ul>${items.join('')}</ul>` : ''
  }${f.excerpt ? excerpt(f.excerpt) : ''}</div>`;
}

function disassembly(dis: DisasmView): string {
  const rows = dis.lines.map((line) => {
    if (line.kind === 'source') {
      return `<span class="hl-comment${line.focus ? ' focus' : ''}">${escapeHtml(`${line.file}:${line.line}`)}  ${escapeHtml(line.text.trim())}</span>`;
    }
    const text = `${line.marked ? '=>' : '  '} ${line.address}:  ${line.bytes.padEnd(21)} ${line.text}`;
    return `<span${line.marked ? ' class="focus" id="faulting-insn"' : ''}>${escapeHtml(text)}</span>`;
  });
  const regs = dis.registers.length
    ? `<p>Registers used by the marked instruction, from the report: ${dis.registers
        .map((r) => `<code>${escapeHtml(r.name)}: ${escapeHtml(r.value)}</code>`)
        .join(', ')}</p>`
    : '';
  return `<h2>Disassembly of <code>${escapeHtml(dis.function)}</code></h2><p class="meta">from <code>${escapeHtml(dis.object)}</code></p>${regs}<pre class="disasm">${rows.join('')}</pre>`;
}

function markedSource(dis: DisasmView): string {
  const src = dis.markedSource;
  if (!src) return '';
  const where = `${src.file}:${src.line}`;
  const place = src.href ? `<a href="${escapeHtml(src.href)}"><code>${escapeHtml(where)}</code></a>` : `<code>${escapeHtml(where)}</code>`;
  return `<br>from ${place}: <code class="crash-source">${escapeHtml(src.text)}</code>`;
}

function codeBytes(c: CodeView): string {
  const rows = c.lines.map(
    (l) => `<span${l.marked ? ' class="focus"' : ''}>${escapeHtml(`${l.marked ? '=>' : '  '} ${l.address ? `${l.address}:  ` : ''}${l.bytes.padEnd(21)} ${l.text}`)}</span>`,
  );
  const raw = c.unavailable ? '' : `<p class="meta">As printed: <code>Code: ${escapeHtml(c.raw)}</code></p>`;
  return `<h2><code>Code:</code> bytes</h2>${raw}${c.unavailable ? `<p>${escapeHtml(c.unavailable)}</p>` : ''}${rows.length ? `<pre>${rows.join('')}</pre>` : ''}`;
}

export function renderHtml(view: ReportView): string {
  const meta = [
    ['Kind', view.kind],
    ['Kernel', view.release],
    ['Machine', view.machine],
    ['Task', view.task],
  ]
    .filter((p): p is [string, string] => p[1] !== undefined)
    .map(([k, v]) => `<b>${k}:</b> ${escapeHtml(v)}`)
    .join(' &middot; ');
  const parts: string[] = [
    ...view.wrongBinary.map((w) => `<div class="notice wrong-binary"><b>WRONG BINARY:</b> ${escapeHtml(w)}</div>`),
    `<h1>${escapeHtml(view.title)}</h1>`,
    `<p class="meta">${meta}</p>`,
  ];
  if (view.guilty) {
    const g = view.guilty;
    const where = g.location ? ` &mdash; ${a(g.location, formatLocation(g.location))}` : '';
    const insn = view.disassembly?.marked
      ? `<p>${escapeHtml(markedLabel(view.disassembly))}: <code>${escapeHtml(view.disassembly.marked)}</code>${view.disassembly.registers
          .map((r) => ` <code>${escapeHtml(`${r.name}: ${r.value}`)}</code>`)
          .join('')}${markedSource(view.disassembly)}</p>`
      : '';
    const guiltyFrame = view.stacks[g.stack]?.frames[g.frame];
    const chain = guiltyFrame && guiltyFrame.locations.length > 1 ? `<div>Inlined: <code>${escapeHtml(formatChain(guiltyFrame.locations))}</code></div>` : '';
    parts.push(
      `<section class="guilty"><div><b>Guilty frame:</b> <code>${escapeHtml(g.label)}</code>${where}</div><div class="meta">Why: ${escapeHtml(g.reason)}</div>${chain}${insn}${
        guiltyFrame?.excerpt ? excerpt(guiltyFrame.excerpt, 'crash-line') : ''
      }</section>`,
    );
  }
  for (const n of view.notices) parts.push(`<div class="notice">${escapeHtml(n)}</div>`);
  if (view.facts.length) {
    parts.push(
      `<h2>Decoded</h2><table><tr><th></th><th>raw</th><th>meaning</th></tr>${view.facts
        .map((f) => `<tr><td>${escapeHtml(f.label)}</td><td>${f.raw ? `<code>${escapeHtml(f.raw)}</code>` : ''}</td><td>${escapeHtml(f.meaning)}</td></tr>`)
        .join('')}</table>`,
    );
  }
  view.stacks.forEach((s, i) => {
    parts.push(`<h2>Stack ${i + 1}: ${escapeHtml(s.context)}</h2>`, ...s.frames.map(frame));
  });
  if (view.disassembly) parts.push(disassembly(view.disassembly));
  if (view.code) parts.push(codeBytes(view.code));
  if (view.registers.length) {
    parts.push(
      `<h2>Registers</h2><div class="regs">${view.registers.map((r) => `<code>${escapeHtml(`${r.name}: ${r.value}`)}</code>`).join('')}</div>`,
    );
  }
  parts.push(`<footer>${escapeHtml(view.generator)}</footer>`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(view.title)}</title><style>${style}</style></head>
<body>
${parts.join('\n')}
</body></html>
`;
}
