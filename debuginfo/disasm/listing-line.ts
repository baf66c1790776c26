// One instruction as objdump -d prints it: `address:<TAB>bytes<TAB>text`, the bytes column seven
// bytes wide on x86 (longer instructions continue on a second line), one word on arm64.
import { type DisasmArch, type DisasmInstruction, hex, renderInstructionText } from './instruction.js';

const x86BytesPerLine = 7;

export interface ListingLineOptions {
  arch: DisasmArch;
  /** Address column width: objdump right-aligns addresses to the widest one of the listing. */
  addressWidth: number;
  /** Text appended to the instruction line, e.g. decodecode's `\t\t<-- trapping instruction`. */
  suffix?: string;
  /** Replaces the `:` after the address, e.g. `:*` for decodecode's marked line. */
  colon?: string;
}

/** objdump's address width: at least 4 hex digits, enough for the listing's last address. */
export function addressWidthFor(instructions: DisasmInstruction[]): number {
  const last = instructions[instructions.length - 1];
  return Math.max(4, last === undefined ? 0 : hex(last.address).length);
}

export function renderListingLines(insn: DisasmInstruction, options: ListingLineOptions): string[] {
  const { arch, addressWidth } = options;
  const address = hex(insn.address).padStart(addressWidth);
  const colon = options.colon ?? ':';
  const text = renderInstructionText(insn, arch) + (options.suffix ?? '');
  if (arch === 'arm64' && insn.bytes.length === 4) {
    const word = new DataView(insn.bytes.buffer, insn.bytes.byteOffset, 4).getUint32(0, true);
    return [`${address}${colon}\t${word.toString(16).padStart(8, '0')} \t${text}`];
  }
  const byteText = (from: number, to: number): string =>
    Array.from(insn.bytes.subarray(from, to), (b) => `${b.toString(16).padStart(2, '0')} `).join('');
  const lines = [`${address}${colon}\t${byteText(0, x86BytesPerLine).padEnd(3 * x86BytesPerLine)}\t${text}`];
  for (let at = x86BytesPerLine; at < insn.bytes.length; at += x86BytesPerLine) {
    lines.push(`${hex(insn.address + BigInt(at)).padStart(addressWidth)}:\t${byteText(at, at + x86BytesPerLine)}`);
  }
  return lines;
}
