// What users paste into bug trackers, cut from whole logs: each report of each lab log (examples/oopses/*.log)
// and of each text of ../shared/crashes/wild becomes five pastes (no header: the headline line cut off;
// header only: the lines before the first RIP/pc line or trace header; trace only: from the first trace
// header on; RIP block only: the fault line up to the next trace header; syslog-prefixed: the whole report
// behind `Dec  4 17:00:01 host kernel: `). Counts how many of their `sym+off/len` frame tokens come out as
// frames (a parsed frame of that symbol, offset and size on that line), and whether each lab paste's frames
// are the whole log's frames of the same lines. Run: npx tsx bench/crash/pastes.ts [--misses]
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type CrashFrame, type CrashReport, parseCrashReport, stripLinePrefix } from '../../crash/index.js';
import { shared } from './syzkaller-scoring.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const showMisses = process.argv.includes('--misses');

// A frame token as traces print it. Code locations printed outside a stack (the headline's `in func+off/len`,
// ARM's and ppc's LR, lockdep's held locks `at: func+off/len` and irq-state lines, an object's `allocated at`,
// the fault line repeated after `---[ end trace ]---`)
// are counted apart: they are not frames of a stack.
const token = /(?<![\w.$])(\.?[A-Za-z_$][\w.$]*)\+(0x[0-9a-f]+)\/(0x[0-9a-f]+)/g;
const notFrameLine = /^(?:LR is at|lr : |LR \[|LR [0-9a-f]{8,} |BUG: |WARNING: |UBSAN: |KASAN: |Kernel panic|INFO: (?:Allocated|Freed) in|(?:hard|soft)irqs last +(?:en|dis)abled at)|, at: |\ballocated at /;
const faultLine = /^\s*(?:RIP|EIP|NIP|pc|PC is at|IP)(?: :|:| is at| \[)/;
const traceHeader = /^\s*(?:Call Trace:|Call trace:|Backtrace:|NMI backtrace for cpu)/;

interface Paste {
  shape: string;
  /** The paste's lines and, for each, its 0-based line in the whole text. */
  lines: string[];
  origin: number[];
}

function cut(raw: string[], report: CrashReport): Paste[] {
  const from = report.startLine - 1;
  const to = report.endLine;
  const idx = (a: number, b: number): number[] => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
  const text = (i: number): string => stripLinePrefix(raw[i]!).text;
  const all = idx(from, to);
  const firstFault = all.find((i) => faultLine.test(text(i)));
  const firstTrace = all.find((i) => traceHeader.test(text(i)));
  const headerEnd = Math.min(firstFault ?? to, firstTrace ?? to);
  const pastes: { shape: string; origin: number[] }[] = [
    { shape: 'no header', origin: idx(from + 1, to) },
    { shape: 'header only', origin: idx(from, headerEnd) },
    { shape: 'trace only', origin: firstTrace === undefined ? [] : idx(firstTrace, to) },
    { shape: 'RIP block only', origin: firstFault === undefined ? [] : idx(firstFault, all.find((i) => i > firstFault && traceHeader.test(text(i))) ?? to) },
  ];
  const out: Paste[] = pastes.map((p) => ({ ...p, lines: p.origin.map((i) => raw[i]!) }));
  // What rsyslog writes for each kernel message: its own header, then the message.
  out.push({ shape: 'syslog-prefixed', origin: all, lines: all.map((i) => `Dec  4 17:00:01 host kernel: ${text(i)}`) });
  return out;
}

interface Tally {
  tokens: number;
  frames: number;
  other: number;
  otherFrames: number;
  same: number;
  compared: number;
}
const tally = (): Tally => ({ tokens: 0, frames: 0, other: 0, otherFrames: 0, same: 0, compared: 0 });
const byShape = new Map<string, Tally>();
const total = { lab: tally(), wild: tally() };
const misses: string[] = [];

// What resolution reads of a frame: the same key gives the same source line.
const key = (f: CrashFrame): string => JSON.stringify([f.symbol, f.offset, f.size, f.module ?? null, f.reliable, f.address?.toString(16) ?? null, f.isFault ?? false]);

function measure(kind: 'lab' | 'wild', name: string, text: string): void {
  const raw = text.split('\n');
  const whole = parseCrashReport(text, { source: name }).reports;
  const wholeFrames = new Map<number, string[]>();
  for (const f of whole.flatMap((r) => r.stacks.flatMap((s) => s.frames))) wholeFrames.set(f.inputLine - 1, [...(wholeFrames.get(f.inputLine - 1) ?? []), key(f)]);
  for (const report of whole) {
    for (const paste of cut(raw, report)) {
      if (paste.lines.length === 0) continue;
      const t = byShape.get(paste.shape) ?? tally();
      byShape.set(paste.shape, t);
      const frames = parseCrashReport(paste.lines.join('\n'), { source: `${name} (${paste.shape})` }).reports.flatMap((r) => r.stacks.flatMap((s) => s.frames));
      // The kernel prints the fault line again after `---[ end trace ]---`: the same frame, not another one.
      let afterEnd = false;
      paste.lines.forEach((line, i) => {
        const onLine = frames.filter((f) => f.inputLine === i + 1);
        // ARM's `(callee+off/len) from (caller+off/len)` names the frame the line before named, and a line mail
        // wrapped gives its frame to the line it was cut from: the last frame before this line counts too.
        const before = frames.filter((f) => f.inputLine < i + 1).at(-1);
        const stripped = stripLinePrefix(line).text.trim();
        if (stripped.startsWith('---[ end trace')) afterEnd = true;
        const counted = notFrameLine.test(stripped) || (afterEnd && faultLine.test(stripped)) ? 'other' : 'frame';
        for (const m of stripped.matchAll(token)) {
          const named = (f: CrashFrame | undefined): boolean => f?.symbol === m[1] && f.offset === Number.parseInt(m[2], 16) && f.size === Number.parseInt(m[3], 16);
          const hit = onLine.some(named) || named(before);
          for (const x of [t, total[kind]]) {
            if (counted === 'frame') {
              x.tokens++;
              if (hit) x.frames++;
            } else {
              x.other++;
              if (hit) x.otherFrames++;
            }
          }
          if (!hit && counted === 'frame') misses.push(`${name} (${paste.shape}) line ${paste.origin[i]! + 1}: ${stripped}`);
        }
        if (kind === 'lab' && onLine.length > 0) {
          const same = JSON.stringify(onLine.map(key)) === JSON.stringify(wholeFrames.get(paste.origin[i]!) ?? []);
          for (const x of [t, total.lab]) {
            x.compared++;
            if (same) x.same++;
          }
          if (!same) misses.push(`${name} (${paste.shape}) line ${paste.origin[i]! + 1}: lab paste frames differ from the whole log's: ${stripped}`);
        }
      });
    }
  }
}

const labDir = path.join(repoRoot, 'examples/oopses');
for (const f of readdirSync(labDir).filter((f) => f.endsWith('.log'))) measure('lab', f, readFileSync(path.join(labDir, f), 'utf8'));
const wildDir = path.join(shared, 'crashes/wild');
if (existsSync(wildDir)) for (const f of readdirSync(wildDir)) measure('wild', f, readFileSync(path.join(wildDir, f), 'utf8'));
else console.log(`${wildDir} is absent: lab logs only`);

const pct = (a: number, b: number): string => `${a}/${b} = ${b ? ((100 * a) / b).toFixed(1) : '-'}%`;
console.log('shape            frame tokens as frames   other locations as frames      lab frames same as whole log');
for (const [shape, t] of byShape) console.log(`${shape.padEnd(16)} ${pct(t.frames, t.tokens).padEnd(24)} ${pct(t.otherFrames, t.other).padEnd(30)} ${pct(t.same, t.compared)}`);
for (const [kind, t] of Object.entries(total)) console.log(`${kind.padEnd(16)} ${pct(t.frames, t.tokens).padEnd(24)} ${pct(t.otherFrames, t.other).padEnd(30)} ${kind === 'lab' ? pct(t.same, t.compared) : ''}`);
const all = { frames: total.lab.frames + total.wild.frames, tokens: total.lab.tokens + total.wild.tokens };
console.log(`all              ${pct(all.frames, all.tokens)}`);
if (showMisses) for (const m of misses) console.log('miss: ' + m);
else if (misses.length) console.log(`${misses.length} misses (--misses lists them)`);
