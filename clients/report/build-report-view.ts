// From the crash pipeline's resolved report to the view the renderers lay out: display paths and links,
// highlighted excerpts for the guilty frame and the first few others, callers, the marked disassembly with
// the registers of the faulting instruction, the decoded Code: bytes, and the notes a reader must see.
import path from 'node:path';
import type { CrashReport } from '../../crash/index.js';
import { CHighlighter } from './highlight-c.js';
import { instructionRegisters } from './instruction-registers.js';
import { makeLinker, upstreamVersion } from './link-template.js';
import type { CodeView, DisasmLine, DisasmView, ReportView, ViewCaller, ViewFact, ViewFrame, ViewLocation, ViewRegister } from './report-view.js';
import { SourceFiles, readSourceExcerpt } from './source-excerpt.js';
import type { DisassemblyInput, ReportInput, ResolvedFrameInput, SourcePlace } from './report-input.js';

export interface ViewOptions {
  /** Source root: the disassembled binary's name is shown relative to it. */
  root?: string;
  /** `--link` template; file:// links when absent. */
  link?: string;
  /** Frames after the guilty one that also get a source excerpt. */
  excerptFrames?: number;
  /** Source lines shown on each side of the crash line. */
  context?: number;
  /** Instructions shown on each side of the faulting one. */
  disasmContext?: number;
  highlighter?: CHighlighter;
}

const hex16 = (v: bigint): string => v.toString(16).padStart(16, '0');

export function buildReportView(input: ReportInput, options: ViewOptions = {}): ReportView {
  const { report } = input;
  const root = options.root ? path.resolve(options.root) : undefined;
  const linker = makeLinker({ template: options.link, version: upstreamVersion(report.release, report.header['VERSION']) });
  const files = new SourceFiles();
  const highlighter = options.highlighter ?? new CHighlighter();
  const context = options.context ?? 5;
  // The pipeline already mapped every file: `file` is what to show, `path` the local file it may read.
  const place = (p: SourcePlace): ViewLocation => {
    const outOfTree = p.rule === 'beside-binary' || p.rule === 'module-dir';
    const href = linker({ path: p.file, ...(p.path ? { absPath: p.path } : {}), line: p.line, outOfTree });
    return { function: p.function, file: p.file, line: p.line, column: p.column || undefined, inlined: p.inlined ?? false, ...(href ? { href } : {}) };
  };
  const excerptAt = (p: SourcePlace | undefined) => (p?.path ? readSourceExcerpt(p.path, p.file, p.line, { files, highlighter, context }) : undefined);

  const guilty = report.guilty;
  // Source for the guilty frame, the faulting one, and the next few reliable frames after the guilty one in
  // reading order (its callers, whichever stack the parser put them in); without a guilty frame, the first few.
  const flat = input.stacks.flatMap((stack, si) => (stack.context === 'user' ? [] : stack.frames.map((f, fi) => ({ f, si, fi }))));
  const from = guilty ? flat.findIndex((x) => x.si === guilty.stack && x.fi === guilty.frame) + 1 : 0;
  const withExcerpt = new Set(
    flat
      .slice(from)
      .filter((x) => x.f.reliable)
      .slice(0, options.excerptFrames ?? 3)
      .map((x) => x.f),
  );
  const wantsExcerpt = (f: ResolvedFrameInput): boolean => f.isFault === true || withExcerpt.has(f);
  const stacks = input.stacks.map((stack, si) => ({
    context: stack.context,
    frames: stack.frames.map((f, fi): ViewFrame => {
      const isGuilty = guilty?.stack === si && guilty.frame === fi;
      const excerpt = isGuilty || wantsExcerpt(f) ? excerptAt(f.locations[0] ?? f.definition ?? undefined) : undefined;
      return {
        index: f.index,
        label: frameLabel(f),
        reliable: f.reliable,
        guilty: isGuilty,
        provenance: f.provenance ?? undefined,
        locations: f.locations.map(place),
        definition: f.definition ? place({ ...f.definition, inlined: false }) : undefined,
        callers: (f.topCallers ?? []).map((c): ViewCaller => ({ function: c.function, location: place({ ...c, inlined: false }) })),
        callersCount: f.callers ?? undefined,
        excerpt,
        unresolved: f.unresolved,
        warnings: f.warnings,
      };
    }),
  }));

  const guiltyFrame = guilty ? stacks[guilty.stack]?.frames[guilty.frame] : undefined;
  const shown = (file: string): string => (root && file.startsWith(root + path.sep) ? path.relative(root, file) : file);
  const dis = input.disassembly ? disasmView(input, input.disassembly, place, options.disasmContext ?? 12) : undefined;
  const disassembly = dis ? { ...dis, object: shown(dis.object) } : undefined;
  return {
    source: input.source,
    title: report.title,
    kind: report.kind,
    release: report.release,
    machine: report.hardware,
    task: taskLine(report),
    facts: input.facts.map((f): ViewFact => ({ label: f.label, raw: f.raw, meaning: f.meaning })),
    guilty:
      guilty && guiltyFrame
        ? { stack: guilty.stack, frame: guilty.frame, label: guiltyFrame.label, reason: guilty.reason, location: guiltyFrame.locations[0] ?? guiltyFrame.definition }
        : undefined,
    notices: input.notices,
    wrongBinary: input.wrongBinary,
    stacks,
    disassembly,
    code: codeView(input),
    registers: Object.entries(report.registers).map(([name, value]): ViewRegister => ({ name, value: hex16(value) })),
    generator: input.generator,
  };
}

function frameLabel(f: ResolvedFrameInput): string {
  if (!f.symbol) return f.address !== undefined ? `0x${f.address.toString(16)}` : f.raw.trim();
  const off = f.offset !== undefined ? `+0x${f.offset.toString(16)}${f.size !== undefined ? `/0x${f.size.toString(16)}` : ''}` : '';
  return `${f.symbol}${off}${f.module ? ` [${f.module}]` : ''}`;
}

function taskLine(report: CrashReport): string | undefined {
  if (report.comm === undefined && report.pid === undefined) return undefined;
  const parts = [report.pid !== undefined ? `PID ${report.pid}` : undefined, report.cpu !== undefined ? `CPU ${report.cpu}` : undefined].filter(Boolean);
  return `${report.comm ?? '?'}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

function disasmView(input: ReportInput, dis: DisassemblyInput, place: (p: SourcePlace) => ViewLocation, n: number): DisasmView {
  const insns = dis.lines.flatMap((l, i) => (l.kind === 'insn' ? [i] : []));
  const markedAt = dis.lines.findIndex((l) => l.kind === 'insn' && l.marked);
  let from = 0;
  let to = dis.lines.length;
  if (markedAt >= 0) {
    const k = insns.indexOf(markedAt);
    from = insns[Math.max(0, k - n)]!;
    to = (insns[Math.min(insns.length - 1, k + n)] ?? dis.lines.length - 1) + 1;
    // Keep the source lines that introduce the first instruction shown.
    while (from > 0 && dis.lines[from - 1]!.kind === 'source') from--;
  }
  const focusLine = dis.focus;
  const lines: DisasmLine[] = dis.lines.slice(from, to).map((l) =>
    l.kind === 'source'
      ? { kind: 'source', file: l.file, line: l.line, text: l.text, focus: focusLine !== undefined && l.line === focusLine.line && l.file === focusLine.file }
      : { kind: 'insn', address: l.address, bytes: l.bytes, text: l.text, marked: l.marked },
  );
  const width = Math.max(0, ...lines.map((l) => (l.kind === 'insn' ? l.address.length : 0)));
  for (const l of lines) if (l.kind === 'insn') l.address = l.address.padStart(width);
  const marked = markedAt >= 0 ? (dis.lines[markedAt] as { text: string }).text : undefined;
  const registers = marked && dis.faulting
    ? instructionRegisters(marked, dis.arch).flatMap((r) => {
        // x86 dumps name registers in capitals (RAX), arm64 ones in lower case (x0, sp, lr).
        const v = input.report.registers[r.toUpperCase()] ?? input.report.registers[r] ?? (r === 'x30' ? input.report.registers['lr'] : undefined);
        return v === undefined ? [] : [{ name: dis.arch === 'x86_64' ? r.toUpperCase() : r, value: hex16(v) }];
      })
    : [];
  let markedSource: DisasmView['markedSource'];
  if (dis.focus) {
    const text = dis.lines.find((l) => l.kind === 'source' && l.file === dis.focus!.file && l.line === dis.focus!.line);
    const where = place({ ...dis.focus, inlined: false });
    markedSource = { file: where.file, line: where.line, text: text?.kind === 'source' ? text.text.trim() : '', ...(where.href ? { href: where.href } : {}) };
  }
  return { function: dis.function, object: dis.object, lines, registers, marked, markedSource, faulting: dis.faulting };
}

function codeView(input: ReportInput): CodeView | undefined {
  const code = input.report.code;
  if (!code) return undefined;
  if (code.unavailableAt !== undefined) {
    return {
      raw: code.raw,
      unavailable:
        `The kernel could not read the code bytes around the RIP: the dump would start at 0x${code.unavailableAt.toString(16)}, on a page that ` +
        `is not mapped (as the one before a module's .init.text is)` +
        (input.disassembly ? `; the disassembly above is read from ${path.basename(input.disassembly.object)} instead.` : '.'),
      lines: [],
    };
  }
  const lines = input.code ?? [];
  const width = Math.max(0, ...lines.map((l) => l.address?.length ?? 0));
  return { raw: code.raw, lines: lines.map((l) => ({ ...l, address: l.address?.padStart(width) })) };
}
