// address or `func+0x19/0x22` → source frames for one binary (a vmlinux, a `.ko`, or only a
// System.map): DWARF inline chain when there is DWARF, else the symbol table's `function+offset`,
// saying which. Identity warnings (wrong binary) ride along on every answer.
import type { DebugFile } from './debug-file.js';
import type { InlineFrame } from './dwarf/dwarf-info.js';
import { DwarfFormatError, ElfFormatError } from './errors.js';
import { type FrameSpec, parseFrameSpec, renderFrameSpec } from './frame-spec.js';
import { KallsymsSizes } from './kallsyms-size.js';
import type { SystemMap } from './system-map.js';
import type { DebugWarning } from './warnings.js';

/**
 * One frame of an answer: the DWARF inline frame without its DIE offset, or the symbol table's function
 * with no file (addr2line's `??:0`) when there is no DWARF.
 */
export type SourceFrame = Omit<InlineFrame, 'dieOffset'>;

/** Where the answer came from: DWARF, or only a symbol table (no file:line then). */
export type SymbolSource = 'dwarf' | 'symtab' | 'system-map';

export interface SymbolLocation {
  name: string;
  /** Address in the binary's layout (link-time; synthetic section base + value in a `.ko`). */
  address: bigint;
  size: number;
  section: string;
}

export interface Symbolization {
  /** The address looked up, in the binary's layout (after the KASLR slide and the return-address adjustment). */
  address: bigint;
  /** Innermost first; empty when nothing is known about the address. */
  frames: SourceFrame[];
  /** The ELF (or System.map) symbol containing the address, with the offset into it. */
  symbol: (SymbolLocation & { offset: bigint }) | undefined;
  source: SymbolSource | undefined;
  warnings: DebugWarning[];
}

export interface Resolution extends Symbolization {
  spec: FrameSpec;
}

export interface SymbolizeOptions {
  /** A return address from a stack trace: look up address − 1, the call instruction. */
  returnAddress?: boolean;
  /** The address is already in the binary's layout (skip the KASLR slide). */
  linkTime?: boolean;
}

export interface SymbolizerOptions {
  /** KASLR slide to subtract from runtime addresses (vmlinux only). */
  slide?: bigint;
  /** Loud warnings added to every answer (e.g. the banner does not match the report). */
  warnings?: DebugWarning[];
}

export class Symbolizer {
  readonly name: string;
  readonly file: DebugFile | undefined;
  readonly systemMap: SystemMap | undefined;
  /** Fixed for the symbolizer's life: a report with another slide gets its own symbolizer or passes link-time addresses. */
  readonly slide: bigint;
  readonly warnings: DebugWarning[];
  private kallsyms: KallsymsSizes | undefined;

  constructor(target: DebugFile | { systemMap: SystemMap; name: string }, options: SymbolizerOptions = {}) {
    if ('systemMap' in target) {
      this.systemMap = target.systemMap;
      this.name = target.name;
    } else {
      this.file = target;
      this.name = target.name;
    }
    this.slide = options.slide ?? 0n;
    this.warnings = [...(options.warnings ?? [])];
  }

  /** Source frames for an address (a runtime address unless `linkTime`). */
  symbolize(address: bigint, options: SymbolizeOptions = {}): Symbolization {
    let a = options.linkTime ? address : BigInt.asUintN(64, address - this.slide);
    if (options.returnAddress) a -= 1n;
    const warnings = [...this.warnings];
    let frames: SourceFrame[] = [];
    const dwarf = this.file?.dwarf;
    if (dwarf) {
      try {
        frames = dwarf.findFrames(a).map((f) => ({
          function: f.function,
          file: f.file,
          line: f.line,
          column: f.column,
          discriminator: f.discriminator,
          inlined: f.inlined,
          ...(f.decl ? { decl: f.decl } : {}),
        }));
      } catch (err) {
        if (!(err instanceof DwarfFormatError || err instanceof ElfFormatError)) throw err;
        warnings.push({ code: 'dwarf-unreadable', message: `DWARF unreadable here, using the symbol table: ${err.message}`, file: this.name });
      }
    }
    if (frames.length > 0) {
      const outer = frames[frames.length - 1]!;
      if (outer.function === undefined) outer.function = this.symbolAt(a)?.name;
      // The ELF symbol is computed on first access: a one-address run with DWARF never needs the
      // 120,000-entry symbol table.
      const result = { address: a, frames, source: 'dwarf', warnings } as Omit<Symbolization, 'symbol'>;
      let symbol: Symbolization['symbol'] | null = null;
      return Object.defineProperty(result, 'symbol', { enumerable: true, get: () => (symbol === null ? (symbol = this.symbolAt(a)) : symbol) }) as Symbolization;
    }
    const symbol = this.symbolAt(a);
    if (!symbol) return { address: a, frames: [], symbol, source: undefined, warnings };
    const source: SymbolSource = this.file ? 'symtab' : 'system-map';
    if (!dwarf) warnings.push({ code: 'no-dwarf', message: `${this.name} has no DWARF: function+offset from the ${source === 'symtab' ? 'ELF symbol table' : 'System.map'}, no source line`, file: this.name });
    return { address: a, frames: [{ function: symbol.name, file: undefined, line: 0, column: 0, discriminator: 0, inlined: false }], symbol, source, warnings };
  }

  /** `addr2line -j SECTION OFFSET`: an offset inside a named section (how `.ko` addresses are given). */
  symbolizeInSection(section: string, offset: bigint, options: Omit<SymbolizeOptions, 'linkTime'> = {}): Symbolization {
    if (!this.file) throw new ElfFormatError({ file: this.name, section, offset: 0, code: 'no-sections' }, 'a System.map has no sections');
    return this.symbolize(this.file.sectionAddress(section, offset), { ...options, linkTime: true });
  }

  /** Every code symbol with this name (static functions can repeat), largest first. */
  lookup(name: string): SymbolLocation[] {
    if (this.file) {
      return this.file.symbols
        .findByName(name)
        .filter((s) => s.sectionName !== '' && (s.type === 2 || s.type === 0))
        .sort((a, b) => (b.type === 2 ? 1 : 0) - (a.type === 2 ? 1 : 0) || b.size - a.size)
        .map((s) => ({ name: s.name, address: s.address, size: s.size, section: s.sectionName }));
    }
    return (this.systemMap?.findByName(name) ?? []).map((s) => ({ name: s.name, address: s.address, size: s.size, section: '' }));
  }

  /**
   * `func+0x19/0x22` → frames. A function length the kernel cannot have printed for the binary's
   * symbol is a warning (likely not the binary that crashed), never a refusal.
   */
  resolve(spec: string | FrameSpec, options: Omit<SymbolizeOptions, 'linkTime'> = {}): Resolution {
    const parsed = typeof spec === 'string' ? parseFrameSpec(spec) : spec;
    if (!parsed) {
      return { spec: { symbol: String(spec), offset: 0n, length: undefined }, address: 0n, frames: [], symbol: undefined, source: undefined, warnings: [...this.warnings, { code: 'bad-frame-spec', message: `not a function+offset: ${String(spec)}` }] };
    }
    const candidates = this.lookup(parsed.symbol);
    const warnings: DebugWarning[] = [];
    if (candidates.length === 0) {
      const missing: DebugWarning = { code: 'symbol-not-found', message: `${parsed.symbol} is not a function in ${this.name}`, file: this.name };
      return { spec: parsed, address: 0n, frames: [], symbol: undefined, source: undefined, warnings: [...this.warnings, missing] };
    }
    const sized = parsed.length === undefined ? [] : candidates.filter((c) => this.sizeFits(c, parsed.length!));
    const exact = sized.filter((c) => BigInt(c.size) === parsed.length);
    const chosen = exact[0] ?? sized[0] ?? candidates[0]!;
    if (candidates.length > 1 && exact.length !== 1 && sized.length !== 1) {
      warnings.push({
        code: 'ambiguous-symbol',
        message: `${parsed.symbol} is defined ${candidates.length} times in ${this.name}; using the one at 0x${chosen.address.toString(16)} (${chosen.section})`,
        file: this.name,
      });
    }
    if (parsed.length !== undefined && sized.length === 0 && this.file) {
      warnings.push(this.sizeMismatch(parsed, chosen));
    }
    // A return address may equal the function's end: its last instruction called a noreturn function.
    const end = BigInt(chosen.size);
    if (chosen.size > 0 && (parsed.offset > end || (parsed.offset === end && !options.returnAddress))) {
      warnings.push({ code: 'offset-past-end', message: `offset 0x${parsed.offset.toString(16)} is past the end of ${chosen.name} (0x${chosen.size.toString(16)} bytes)`, file: this.name });
    }
    const result = this.symbolize(chosen.address + parsed.offset, { ...options, linkTime: true });
    return { ...result, spec: parsed, warnings: [...result.warnings, ...warnings] };
  }

  /**
   * Whether the kernel can have printed `length` for this symbol: kallsyms prints the distance to the
   * next symbol it lists (padding included; a module's last text symbol reaches the page-aligned end
   * of its text), so anything from st_size up to that distance fits.
   */
  private sizeFits(sym: SymbolLocation, length: bigint): boolean {
    const size = BigInt(sym.size);
    if (length === size || !this.file) return true;
    const reported = (this.kallsyms ??= new KallsymsSizes(this.file)).reportedSize(sym.address);
    if (reported === undefined) return false;
    const [lo, hi] = reported < size ? [reported, size] : [size, reported];
    return length >= lo && length <= hi;
  }

  private sizeMismatch(spec: FrameSpec, sym: SymbolLocation): DebugWarning {
    const size = BigInt(sym.size);
    const reported = this.kallsyms?.reportedSize(sym.address) ?? size;
    const [lo, hi] = reported < size ? [reported, size] : [size, reported];
    const range = lo === hi ? '' : `, so the kernel would print a length from 0x${lo.toString(16)} to 0x${hi.toString(16)}`;
    const message = `size mismatch: the report says ${renderFrameSpec(spec)} but ${sym.name} is 0x${sym.size.toString(16)} bytes in ${this.name}${range} (likely not the binary that crashed)`;
    return { code: 'size-mismatch', message, file: this.name };
  }

  private symbolAt(address: bigint): (SymbolLocation & { offset: bigint }) | undefined {
    if (this.file) {
      const s = this.file.symbols.findByAddress(address);
      return s && { name: s.name, address: s.address, size: s.size, section: s.sectionName, offset: address - s.address };
    }
    const s = this.systemMap?.findByAddress(address);
    return s && { name: s.name, address: s.address, size: s.size, section: '', offset: address - s.address };
  }
}
