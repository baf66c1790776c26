// The guilty function's disassembly interleaved with its source (what `objdump -d -S` shows), the
// faulting instruction marked, and the oops `Code:` bytes decoded as scripts/decodecode does.
import type { CrashFrame, CrashReport } from '../../crash/index.js';
import {
  type DebugFile,
  decodeCode,
  disassembleFromFile,
  parseCodeLine,
  renderInstructionText,
  type DisasmInstruction,
} from '../../debuginfo/index.js';
import type { DisasmInputLine, DisassemblyInput, ReportInput } from './report-input.js';

const bytesText = (insn: DisasmInstruction): string => Array.from(insn.bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

/**
 * Disassembles the frame's function from its binary. The mark is the faulting instruction for the RIP
 * frame, else the call before the return address (offset - 1 lies inside it).
 */
export async function disassembleFrame(
  file: DebugFile,
  frame: CrashFrame,
  sources: { lineText(name: string, line: number): string | undefined },
  mapSource: (name: string) => { file: string; path?: string },
): Promise<DisassemblyInput> {
  const offset = BigInt(frame.offset ?? 0) - (frame.isFault ? 0n : 1n);
  const d = await disassembleFromFile(file, { symbol: frame.symbol!, offset, ...(frame.size !== undefined ? { size: BigInt(frame.size) } : {}) });
  const lines: DisasmInputLine[] = [];
  let last = '';
  let focus: DisassemblyInput['focus'];
  for (const insn of d.instructions) {
    const loc = d.locate(insn.address)[0];
    const marked = d.mark !== undefined && insn.address <= d.mark.address && d.mark.address < insn.address + BigInt(insn.bytes.length);
    if (loc?.file !== undefined && `${loc.file}:${loc.line}` !== last) {
      last = `${loc.file}:${loc.line}`;
      lines.push({ kind: 'source', ...mapSource(loc.file), line: loc.line, text: sources.lineText(loc.file, loc.line) ?? '' });
    }
    if (marked && loc?.file !== undefined) focus = { ...mapSource(loc.file), line: loc.line };
    lines.push({ kind: 'insn', address: insn.address.toString(16), bytes: bytesText(insn), text: renderInstructionText(insn, d.arch), marked });
  }
  return { arch: d.arch, function: frame.symbol!, object: file.name, lines, focus, faulting: frame.isFault === true, warnings: d.warnings.map((w) => w.message) };
}

/** The `Code:` line decoded around the faulting instruction, addresses absolute when the RIP is known. */
export async function decodeCodeBytes(report: CrashReport): Promise<ReportInput['code']> {
  if (!report.code || report.code.unavailableAt !== undefined) return undefined;
  const parsed = parseCodeLine(`Code: ${report.code.raw}`);
  if (!parsed.value) return undefined;
  const pc = report.registers['RIP'];
  const decoded = await decodeCode(parsed.value, pc !== undefined ? { pc } : {});
  const listing = decoded.all.alignedOnMarker || !decoded.bestGuess ? decoded.all : decoded.bestGuess;
  return listing.instructions.map((insn, i) => ({
    address: insn.address.toString(16),
    bytes: bytesText(insn),
    text: renderInstructionText(insn, decoded.arch),
    marked: i === listing.faultIndex,
  }));
}
