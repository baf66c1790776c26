// Renders a function's instructions interleaved with where they came from, in the layout of
// `objdump -d -S -l`: a `function():` header when the innermost function changes, the `file:line`
// of the innermost frame and of each caller it was inlined into (`file:line (inlined into f)`),
// then the source text, with objdump's rule for how many preceding lines to show.
import { type DisasmArch, type DisasmInstruction, hex } from './instruction.js';
import { addressWidthFor, renderListingLines } from './listing-line.js';

/** One frame of an address's inline chain, innermost first (`InlineFrame` of the DWARF reader fits). */
export interface SourceLocation {
  function: string | undefined;
  file: string | undefined;
  line: number;
  inlined: boolean;
}

export interface SourceTextProvider {
  lineText(file: string, line: number): string | undefined;
}

export interface DisassemblyListing {
  arch: DisasmArch;
  instructions: DisasmInstruction[];
  /** The symbol that starts at an address, for objdump's `address <symbol>:` headers. */
  labelAt?: (address: bigint) => string | undefined;
  /** Inline chain of an instruction's address (display address), innermost first; empty when unknown. */
  locate?: (address: bigint) => SourceLocation[];
  source?: SourceTextProvider;
  /** The instruction to mark (the one containing this address) and what to call it. */
  mark?: { address: bigint; label: string };
  /** Map DWARF paths to what the reader should see (e.g. relative to the source root). */
  displayPath?: (file: string) => string;
}

// objdump's SHOW_PRECEDING_CONTEXT_LINES.
const precedingContext = 5;

interface FileProgress {
  maxPrinted: number;
  lastLine: number;
}

export function renderDisassembly(listing: DisassemblyListing): string {
  const out: string[] = [];
  const width = addressWidthFor(listing.instructions);
  const progress = new Map<string, FileProgress>();
  const display = listing.displayPath ?? ((f: string) => f);
  let lastFunction: string | undefined;
  let lastKey: string | undefined;
  const markIndex =
    listing.mark === undefined
      ? -1
      : listing.instructions.findIndex(
          (i) => i.address <= listing.mark!.address && listing.mark!.address < i.address + BigInt(i.bytes.length),
        );

  listing.instructions.forEach((insn, index) => {
    const label = listing.labelAt?.(insn.address);
    if (label !== undefined) {
      if (out.length > 0) out.push('');
      out.push(`${hex(insn.address).padStart(16, '0')} <${label}>:`);
      lastFunction = undefined;
      lastKey = undefined;
    }
    const frames = listing.locate?.(insn.address) ?? [];
    const inner = frames[0];
    if (inner !== undefined) {
      const fn = inner.function ?? '??';
      if (fn !== lastFunction) {
        out.push(`${fn}():`);
        lastFunction = fn;
      }
      const key = frames.map((f) => `${f.function}|${f.file}|${f.line}`).join(';');
      if (key !== lastKey) {
        lastKey = key;
        frames.forEach((f, i) => {
          const where = `${f.file === undefined ? '??' : display(f.file)}:${f.line}`;
          const caller = frames[i + 1]?.function;
          out.push(f.inlined && caller !== undefined ? `${where} (inlined into ${caller})` : where);
        });
        if (inner.file !== undefined && listing.source) out.push(...sourceLines(listing.source, progress, inner.file, inner.line));
      }
    }
    const mark = index === markIndex ? `\t<-- ${listing.mark!.label}` : undefined;
    out.push(...renderListingLines(insn, { arch: listing.arch, addressWidth: width, ...(mark ? { suffix: mark } : {}) }));
    for (const relocation of insn.relocations ?? []) out.push(`\t\t\t${relocation}`);
  });
  return out.join('\n') + '\n';
}

/** objdump's show_line(): up to five lines of context the first time, else the lines not yet shown. */
function sourceLines(source: SourceTextProvider, progress: Map<string, FileProgress>, file: string, line: number): string[] {
  let p = progress.get(file);
  if (p === undefined) {
    p = { maxPrinted: 0, lastLine: 0 };
    progress.set(file, p);
  }
  if (line === p.lastLine || line <= 0) return [];
  let from = Math.max(1, line - precedingContext);
  if (p.maxPrinted >= from) from = p.maxPrinted < line ? p.maxPrinted + 1 : line;
  const lines: string[] = [];
  for (let l = from; l <= line; l++) {
    const text = source.lineText(file, l);
    if (text === undefined) break;
    lines.push(text);
  }
  p.maxPrinted = Math.max(p.maxPrinted, line);
  p.lastLine = line;
  return lines;
}
