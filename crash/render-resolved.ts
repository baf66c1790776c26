// Resolved reports as text (the report with each frame followed by its source lines, inlined functions
// named, as scripts/decode_stacktrace.sh and faddr2line print them) and as the JSON record scripts parse.
import type { ResolvedFrame, ResolvedReport } from './resolution-session.js';

const hex = (v: bigint | undefined): string | null => (v === undefined ? null : '0x' + v.toString(16));

export interface ResolvedFrameJson {
  index: number;
  symbol: string | null;
  offset: number | null;
  size: number | null;
  module: string | null;
  address: string | null;
  reliable: boolean;
  raw: string;
  inputLine: number;
  provenance: ResolvedFrame['provenance'];
  locations: ResolvedFrame['locations'];
  definition: ResolvedFrame['definition'];
  callers: number | null;
  topCallers: ResolvedFrame['topCallers'];
  warnings: ResolvedFrame['warnings'];
}

/** One report of `crashnav resolve --json` (names kept stable: scripts depend on them). */
export function resolvedReportToJson(resolved: ResolvedReport): Record<string, unknown> {
  const { report } = resolved;
  return {
    kind: report.kind,
    title: report.title,
    taint: report.taint ?? null,
    release: report.release ?? null,
    guilty: report.guilty,
    vmlinux: resolved.vmlinux ?? null,
    vmlinuxFrom: resolved.vmlinuxFrom ?? null,
    kaslrSlide: hex(resolved.placement.slide),
    slideFrom: resolved.placement.slideFrom,
    moduleBases: Object.fromEntries([...resolved.placement.moduleBases].map(([name, base]) => [name, hex(base)])),
    warnings: resolved.warnings,
    stacks: report.stacks.map((stack, i) => ({
      context: stack.context,
      frames: resolved.stacks[i].map((r): ResolvedFrameJson => ({
        index: r.frame.index,
        symbol: r.frame.symbol ?? null,
        offset: r.frame.offset ?? null,
        size: r.frame.size ?? null,
        module: r.frame.module ?? null,
        address: hex(r.address),
        reliable: r.frame.reliable,
        raw: r.frame.raw,
        inputLine: r.frame.inputLine,
        provenance: r.provenance,
        locations: r.locations,
        definition: r.definition,
        callers: r.callers,
        topCallers: r.topCallers,
        warnings: r.warnings,
      })),
    })),
  };
}

function sourceLines(r: ResolvedFrame, seen: Map<string, number>): string[] {
  const lines: string[] = [];
  const tag = r.provenance === 'index' ? ' [definition, from the index]' : '';
  r.locations.forEach((loc, i) => lines.push(`    ${i === 0 ? '' : ' (inlined by) '}${loc.function ?? '??'} at ${loc.file}:${loc.line}${i === 0 ? tag : ''}`));
  // Each kind of warning once: the second `symbol-not-found` says nothing the first did not.
  for (const w of r.warnings) {
    const count = seen.get(w.code) ?? 0;
    seen.set(w.code, count + 1);
    if (count === 0) lines.push(`    (${w.message})`);
  }
  return lines;
}

/** The input lines of the report, each frame line followed by where its frame is in the source. */
export function renderResolvedText(resolved: ResolvedReport, inputLines: string[]): string {
  const { report } = resolved;
  const byLine = new Map<number, ResolvedFrame[]>();
  for (const stack of resolved.stacks) for (const r of stack) byLine.set(r.frame.inputLine, [...(byLine.get(r.frame.inputLine) ?? []), r]);
  const seen = new Map<string, number>();
  const out = [`# ${report.title}`, ...resolved.warnings.map((w) => `# WARNING: ${w.message}`)];
  for (let n = report.startLine; n <= report.endLine; n++) {
    out.push(inputLines[n - 1] ?? '');
    for (const r of byLine.get(n) ?? []) out.push(...sourceLines(r, seen));
  }
  const repeated = [...seen.values()].reduce((sum, c) => sum + Math.max(0, c - 1), 0);
  if (repeated > 0) out.push(`# ${repeated} more warnings like the ones above (see --json for each frame's)`);
  return out.join('\n');
}
