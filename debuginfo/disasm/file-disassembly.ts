// Disassembles a function (or an address range) of a vmlinux or `.ko` with its symbols, DWARF inline
// chains and, for a `.ko`, its code relocations. A `.ko`'s sections all start at 0: the listing shows
// section-relative addresses as objdump does, while lookups use the file's synthetic section bases.
import type { DebugFile } from '../debug-file.js';
import { EM_AARCH64, EM_X86_64, SHN_UNDEF, STT_FUNC, STT_SECTION } from '../elf/elf-constants.js';
import type { ElfSection } from '../elf/elf-file.js';
import { findRelocationSections, readRelocations } from '../elf/relocations.js';
import type { DebugWarning } from '../warnings.js';
import { objdumpUnrelocatedTargets } from './code-relocations.js';
import { disassemble } from './disassemble.js';
import type { AddressNamer, CodeRelocation, DisasmArch, DisasmInstruction, DisasmSyntax } from './instruction.js';
import type { DisassemblyListing, SourceLocation } from './render-disassembly.js';
import { SymbolNamer } from './symbol-namer.js';

/** `func`, `func+0x19`, `func+0x19/0x22`, or an address inside a function. */
export interface SymbolTarget {
  symbol: string;
  offset?: bigint;
  /** The size the report printed after `/`, used to pick among same-named static functions. */
  size?: bigint;
}
export interface AddressTarget {
  address: bigint;
}
export interface RangeTarget {
  start: bigint;
  stop: bigint;
}
export type DisasmTarget = SymbolTarget | AddressTarget | RangeTarget;

/** Parses `func+0x19/0x22`, `func`, or `0xffffffff81234567`; undefined for anything else. */
export function parseDisasmTarget(text: string): SymbolTarget | AddressTarget | undefined {
  const t = text.trim();
  if (/^0x[0-9a-fA-F]+$/.test(t)) return { address: BigInt(t) };
  const m = /^([A-Za-z_.$][\w.$]*)(?:\+(0x[0-9a-fA-F]+|\d+))?(?:\/(0x[0-9a-fA-F]+|\d+))?$/.exec(t);
  if (!m) return undefined;
  const target: SymbolTarget = { symbol: m[1]! };
  if (m[2] !== undefined) target.offset = BigInt(m[2]);
  if (m[3] !== undefined) target.size = BigInt(m[3]);
  return target;
}

export class DisasmTargetError extends Error {
  override name = 'DisasmTargetError';
}

export interface FileDisassemblyOptions {
  syntax?: DisasmSyntax;
  /**
   * The target address is a return address (every trace frame but the faulting one): mark the call
   * before it, the instruction that was executing in that frame.
   */
  returnAddress?: boolean;
  /** Show what `.rela.text` puts in a `.ko`'s code (default true; vmlinux is never relocated). */
  applyRelocations?: boolean;
}

export interface FileDisassembly {
  file: string;
  arch: DisasmArch;
  section: string;
  /** Listing addresses are section-relative (a `.ko`) rather than the file's link addresses. */
  sectionRelative: boolean;
  instructions: DisasmInstruction[];
  /** The instruction to mark, when the target named an address inside the function. */
  mark: { address: bigint; label: string } | undefined;
  /** Non-fatal remarks: several same-named symbols, a size that differs from the report's. */
  warnings: DebugWarning[];
  labelAt(address: bigint): string | undefined;
  /** Inline chain of a listing address, innermost first. */
  locate(address: bigint): SourceLocation[];
  nameAddress: AddressNamer;
}

export function archOf(file: DebugFile): DisasmArch {
  if (file.elf.machine === EM_X86_64) return 'x86_64';
  if (file.elf.machine === EM_AARCH64) return 'arm64';
  throw new DisasmTargetError(`${file.name}: ELF machine ${file.elf.machine} is neither x86_64 nor aarch64`);
}

const namers = new WeakMap<DebugFile, SymbolNamer>();

function namerFor(file: DebugFile): SymbolNamer {
  let namer = namers.get(file);
  if (namer === undefined) namers.set(file, (namer = new SymbolNamer(file)));
  return namer;
}

interface ResolvedRange {
  section: ElfSection;
  /** Layout addresses. */
  start: bigint;
  stop: bigint;
  mark: { address: bigint; label: string } | undefined;
  warnings: DebugWarning[];
}

function resolveTarget(file: DebugFile, target: DisasmTarget): ResolvedRange {
  const warnings: DebugWarning[] = [];
  let start: bigint;
  let stop: bigint;
  let mark: ResolvedRange['mark'];
  if ('start' in target) {
    start = target.start;
    stop = target.stop;
    if (stop <= start) throw new DisasmTargetError(`empty range 0x${start.toString(16)}..0x${stop.toString(16)}`);
  } else if ('address' in target) {
    const sym = file.symbols.findByAddress(target.address);
    if (sym === undefined || sym.size === 0) {
      throw new DisasmTargetError(`${file.name}: no function contains 0x${target.address.toString(16)}`);
    }
    start = sym.address;
    stop = sym.address + BigInt(sym.size);
    mark = { address: target.address, label: `${sym.name}+0x${(target.address - sym.address).toString(16)}` };
  } else {
    const candidates = file.symbols
      .findByName(target.symbol)
      .filter((s) => s.size > 0 && s.type !== STT_SECTION && file.sectionOf(s.address) !== undefined);
    if (candidates.length === 0) throw new DisasmTargetError(`${file.name}: no symbol ${target.symbol} with code`);
    const functions = candidates.filter((s) => s.type === STT_FUNC);
    const pool = functions.length > 0 ? functions : candidates;
    const bySize = target.size === undefined ? [] : pool.filter((s) => BigInt(s.size) === target.size);
    const sym = bySize[0] ?? pool[0]!;
    if (pool.length > 1) {
      warnings.push({
        code: 'ambiguous-symbol',
        message:
          `${pool.length} symbols named ${target.symbol}; showing the one at 0x${sym.address.toString(16)}` +
          (bySize.length === 1 ? ` (size 0x${sym.size.toString(16)} matches)` : ''),
        file: file.name,
      });
    }
    // The kernel reports a module's last function in a section as reaching the section's end
    // (crash_nullwrite_init+0x11/0x1000 for a 0x2c-byte function): that is no mismatch.
    const section = file.sectionOf(sym.address)?.section;
    const lastInModuleSection =
      file.elf.isRelocatable && section !== undefined && target.size !== undefined && target.size > BigInt(sym.size) &&
      sym.value + BigInt(sym.size) + 64n >= BigInt(section.size);
    if (target.size !== undefined && BigInt(sym.size) !== target.size && !lastInModuleSection) {
      const message = `${target.symbol} is 0x${sym.size.toString(16)} bytes in ${file.name}, the report says 0x${target.size.toString(16)}: maybe not the binary that crashed`;
      warnings.push({ code: 'size-mismatch', message, file: file.name });
    }
    start = sym.address;
    stop = sym.address + BigInt(sym.size);
    if (target.offset !== undefined) {
      mark = { address: start + target.offset, label: `${target.symbol}+0x${target.offset.toString(16)}` };
      if (target.offset >= BigInt(sym.size)) {
        warnings.push({ code: 'offset-past-end', message: `offset 0x${target.offset.toString(16)} is past the end of ${target.symbol}`, file: file.name });
      }
    }
  }
  const where = file.sectionOf(start);
  if (where === undefined) throw new DisasmTargetError(`${file.name}: 0x${start.toString(16)} is in no section`);
  const sectionEnd = start - where.offset + BigInt(where.section.size);
  if (stop > sectionEnd) stop = sectionEnd;
  return { section: where.section, start, stop, mark, warnings };
}

function codeRelocations(file: DebugFile, section: ElfSection, delta: bigint, start: bigint, stop: bigint): CodeRelocation[] {
  const symbols = file.symbols;
  const out: CodeRelocation[] = [];
  for (const relSection of findRelocationSections(file.elf, section)) {
    for (const rel of readRelocations(file.elf, relSection)) {
      const offset = BigInt(rel.offset);
      if (offset < start - delta || offset >= stop - delta) continue;
      const sym = symbols.symbol(rel.symbolIndex);
      const name = sym === undefined ? `#${rel.symbolIndex}` : sym.type === STT_SECTION ? sym.sectionName : sym.name;
      const entry: CodeRelocation = { offset, type: rel.type, symbol: name, addend: rel.addend ?? 0n };
      if (sym !== undefined && sym.sectionIndex === section.index) entry.symbolAddress = sym.value;
      if (sym !== undefined && sym.sectionIndex !== SHN_UNDEF) entry.symbolValue = sym.value;
      out.push(entry);
    }
  }
  return out;
}

export async function disassembleFromFile(
  file: DebugFile,
  target: DisasmTarget,
  options: FileDisassemblyOptions = {},
): Promise<FileDisassembly> {
  const arch = archOf(file);
  const range = resolveTarget(file, target);
  if (options.returnAddress && range.mark !== undefined) {
    range.mark = { address: range.mark.address - 1n, label: `call returning to ${range.mark.label}` };
  }
  const sectionRelative = file.elf.isRelocatable;
  // Listing address + delta = layout address.
  const delta = sectionRelative ? (file.layout.baseOf(range.section.index) ?? 0n) : 0n;
  const bytes = file.readCode(range.start, Number(range.stop - range.start));
  const namer = namerFor(file);
  const nameAddress: AddressNamer = (address) => namer.name(address + delta);
  const relocated = sectionRelative && options.applyRelocations !== false;
  // Unrelocated, an AArch64 `.ko` still has its relocations read: objdump -d names what they point at.
  const unrelocatedArm64 = sectionRelative && !relocated && arch === 'arm64';
  const relocations = relocated || unrelocatedArm64 ? codeRelocations(file, range.section, delta, range.start, range.stop) : [];
  const decoded = await disassemble({
    arch,
    bytes,
    address: range.start - delta,
    nameAddress,
    relocations: relocated ? relocations : [],
    ...(options.syntax ? { syntax: options.syntax } : {}),
  });
  const instructions = unrelocatedArm64
    ? objdumpUnrelocatedTargets(decoded, relocations, (value) => namer.nameInRelocatable(value, range.section.index, BigInt(range.section.size)))
    : decoded;
  // Of several symbols at one address objdump heads the listing with the one it names targets by.
  const labels = new Map<bigint, string>();
  for (const [address, name] of namer.labelsIn(range.start, range.stop)) labels.set(address - delta, name);
  const dwarf = file.dwarf;
  return {
    file: file.name,
    arch,
    section: range.section.name,
    sectionRelative,
    instructions,
    mark: range.mark === undefined ? undefined : { address: range.mark.address - delta, label: range.mark.label },
    warnings: range.warnings,
    labelAt: (address) => labels.get(address),
    locate: (address) => (dwarf === undefined ? [] : dwarf.findFrames(address + delta)),
    nameAddress,
  };
}

/** The pieces of a file disassembly that `renderDisassembly` needs. */
export function listingOf(d: FileDisassembly): DisassemblyListing {
  return {
    arch: d.arch,
    instructions: d.instructions,
    labelAt: d.labelAt,
    locate: d.locate,
    ...(d.mark ? { mark: d.mark } : {}),
  };
}
