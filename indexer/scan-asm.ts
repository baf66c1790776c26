// A line scanner for kernel assembly (`.S`): symbols opened by the linkage macros of
// include/linux/linkage.h (SYM_FUNC_START*, SYM_CODE_START*, SYM_INNER_LABEL*, the older ENTRY/ENDPROC),
// global labels, `call`/`jmp` targets as calls and `#include`s. No tree-sitter: the grammar is C-only and
// the idioms are line-shaped.
import { type DefFact, type FileFacts, defFact } from './file-facts.js';
import { nameHash } from './name-hash.js';

const symStart = /^\s*(SYM_FUNC_START\w*|SYM_CODE_START\w*|SYM_INNER_LABEL\w*|SYM_DATA_START\w*|SYM_DATA\w*|SYM_TYPED_FUNC_START|ENTRY|GLOBAL|WEAK)\s*\(\s*([A-Za-z_.$][\w.$]*)/;
const symEnd = /^\s*(SYM_FUNC_END\w*|SYM_CODE_END|SYM_DATA_END\w*|ENDPROC|END)\s*\(\s*([A-Za-z_.$][\w.$]*)/;
const label = /^([A-Za-z_$][\w.$]*):/;
const globl = /^\s*\.(globl|global)\s+([A-Za-z_$][\w.$]*)/;
const branch = /^\s*(?:[A-Za-z_$][\w.$]*:\s*)?(call|callq|jmp|jmpq|bl|b|blr|tail|j|jal|ALTERNATIVE_CALL|CALL_NOSPEC|JMP_NOSPEC)\s+\*?([A-Za-z_$][\w.$]*)\b/;
const include = /^\s*#\s*include\s+(?:"([^"]+)"|<([^>]+)>)/;
const define = /^\s*#\s*define\s+([A-Za-z_]\w*)(\()?/;
const ident = /[A-Za-z_$][\w$]*/g;

export function scanAsm(text: string, path: string): FileFacts {
  const facts: FileFacts = { path, language: 'asm', defs: [], calls: [], includes: [], nameHashes: [], exports: [], aliases: [], invocations: [], problems: [], errorNodes: 0 };
  const names = new Set<string>();
  const globals = new Set<string>();
  const lines = text.split('\n');
  const open = new Map<string, number>();
  let current = -1;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i]!;
    const line = raw.replace(/\/\*.*?\*\/|\s(#|\/\/)\s.*$/g, ' ');
    for (const m of line.matchAll(ident)) names.add(m[0]);
    const inc = include.exec(line);
    if (inc) {
      facts.includes.push({ line: lineNo, path: (inc[1] ?? inc[2])!, system: inc[2] !== undefined });
      continue;
    }
    const def = define.exec(line);
    if (def) {
      facts.defs.push(mk(def[1]!, def[2] ? 'function-macro' : 'macro', lineNo, raw.indexOf(def[1]!) + 1));
      continue;
    }
    const g = globl.exec(line);
    if (g) globals.add(g[2]!);
    const start = symStart.exec(line);
    if (start) {
      const kind = start[1]!.startsWith('SYM_DATA') ? 'variable' : start[1] === 'SYM_INNER_LABEL' || start[1]!.startsWith('SYM_INNER_LABEL') ? 'label' : 'function';
      const d = mk(start[2]!, kind, lineNo, raw.indexOf(start[2]!) + 1);
      d.isWeak = start[1] === 'WEAK' || /WEAK/.test(start[1]!);
      d.isStatic = /LOCAL/.test(start[1]!);
      facts.defs.push(d);
      if (kind === 'function') {
        current = facts.defs.length - 1;
        open.set(start[2]!, current);
      }
      continue;
    }
    const end = symEnd.exec(line);
    if (end) {
      const idx = open.get(end[2]!);
      if (idx !== undefined) {
        facts.defs[idx]!.endLine = lineNo;
        open.delete(end[2]!);
        if (idx === current) current = -1;
      }
      continue;
    }
    const l = label.exec(line);
    if (l && !/^\d/.test(l[1]!) && !l[1]!.startsWith('.L')) {
      const d = mk(l[1]!, 'label', lineNo, 1);
      facts.defs.push(d);
      if (current < 0 && globals.has(l[1]!)) current = facts.defs.length - 1;
    }
    const b = branch.exec(line);
    if (b && current >= 0 && !/^\d/.test(b[2]!)) {
      facts.calls.push({ caller: current, callee: b[2]!, line: lineNo, column: raw.indexOf(b[2]!) + 1, member: false });
    }
  }
  // A plain label that `.globl` names is a global function entry, as for hand-written entry code.
  for (const d of facts.defs) if (d.kind === 'label' && globals.has(d.name)) d.kind = 'function';
  facts.nameHashes = [...names].map(nameHash);
  return facts;
}

function mk(name: string, kind: DefFact['kind'], line: number, column: number): DefFact {
  return defFact(name, kind, line, column, line, { isStatic: false, isWeak: false, via: undefined, signature: undefined, docLine: undefined });
}
