// The record every disassembler here produces: one machine instruction, already spelled the way
// objdump -d spells it, so renderers, tests and the CLI never see engine-specific objects.

export type DisasmArch = 'x86_64' | 'arm64';
export type DisasmSyntax = 'att' | 'intel';

export interface DisasmInstruction {
  address: bigint;
  bytes: Uint8Array;
  /** Prefixes and mnemonic, as objdump prints them: `lock cmpxchg`, `cs nopw`, `ret`, `b.ne`. */
  mnemonic: string;
  /** Operands in objdump's spelling; branch targets as `ffffffff81000000 <sym+0x10>`. */
  operands: string;
  /** objdump's trailing comment without its leader: `ffffffff82a03f58 <initial_gs>` or `#4269801472`. */
  comment?: string;
  /** Direct branch or call target, or the address a PC-relative operand refers to. */
  target?: bigint;
  /**
   * Relocations in this instruction's bytes (`.ko` files) not already shown as its branch target,
   * as objdump -dr lists them: `R_X86_64_32S\t.rodata.str1.1+0x8`.
   */
  relocations?: string[];
  /** The bytes do not decode (objdump prints `(bad)`), or are cut off by the end of the buffer. */
  invalid?: boolean;
}

/** Names an address for a branch target or a PC-relative comment: `sym` or `sym+0x10`; undefined if unknown. */
export type AddressNamer = (address: bigint) => string | undefined;

/** A relocation that applies to bytes inside the disassembled range (a `.ko` file's `.rela.text`). */
export interface CodeRelocation {
  /** Address of the relocated field (section-relative address plus the range's start). */
  offset: bigint;
  /** ELF relocation type number (R_X86_64_* or R_AARCH64_*). */
  type: number;
  symbol: string;
  addend: bigint;
  /** The symbol's address in the same address space as the code, when it is defined there. */
  symbolAddress?: bigint;
  /** The symbol's value (section-relative in a `.ko`) when it is defined in any section; absent for an undefined one. */
  symbolValue?: bigint;
}

export function hex(value: bigint): string {
  return value.toString(16);
}

/**
 * `ffffffff81000000 <sym+0x10>`; just the address when no symbol covers it; `0x1f` when there are no
 * symbols at all (a `Code:` dump), which is how objdump tells the two apart.
 */
export function renderTarget(address: bigint, nameAddress: AddressNamer | undefined): string {
  if (nameAddress === undefined) return `0x${hex(address)}`;
  const name = nameAddress(address);
  return name === undefined ? hex(address) : `${hex(address)} <${name}>`;
}

/** The instruction text objdump prints after the bytes column. */
export function renderInstructionText(insn: DisasmInstruction, arch: DisasmArch): string {
  if (arch === 'arm64') {
    const text = insn.operands === '' ? insn.mnemonic : `${insn.mnemonic}\t${insn.operands}`;
    if (insn.comment === undefined) return text;
    // objdump separates a branch's condition aliases with two spaces, other comments with a tab;
    // before a `mov`'s decimal value it pads the immediate operand to 23 columns.
    if (insn.target !== undefined) return `${text}  // ${insn.comment}`;
    if (insn.comment.startsWith('#')) {
      const split = insn.operands.lastIndexOf(', ') + 2;
      return `${insn.mnemonic}\t${insn.operands.slice(0, split)}${insn.operands.slice(split).padEnd(23)}\t// ${insn.comment}`;
    }
    return `${text}\t// ${insn.comment}`;
  }
  const text = insn.operands === '' ? insn.mnemonic : `${insn.mnemonic.padEnd(6)} ${insn.operands}`;
  return insn.comment === undefined ? text : `${text}        # ${insn.comment}`;
}
