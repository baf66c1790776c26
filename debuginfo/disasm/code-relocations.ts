// Shows what a relocatable `.ko`'s `.rela.text` puts into its code. Unrelocated, every call in a
// module reads `call 11 <init_module+0x11>` (a zero displacement); with the relocation the call shows
// its real target, `call _printk`, and a PC-relative or absolute operand names what it refers to.
import type { AddressNamer, CodeRelocation, DisasmArch, DisasmInstruction } from './instruction.js';
import { hex, renderTarget } from './instruction.js';

const x86Names: Record<number, string> = {
  1: 'R_X86_64_64',
  2: 'R_X86_64_PC32',
  4: 'R_X86_64_PLT32',
  9: 'R_X86_64_GOTPCREL',
  10: 'R_X86_64_32',
  11: 'R_X86_64_32S',
  24: 'R_X86_64_PC64',
  41: 'R_X86_64_GOTPCRELX',
  42: 'R_X86_64_REX_GOTPCRELX',
};
const x86PcRelative = new Set([2, 4, 9, 24, 41, 42]);

const arm64Names: Record<number, string> = {
  257: 'R_AARCH64_ABS64',
  258: 'R_AARCH64_ABS32',
  260: 'R_AARCH64_PREL64',
  261: 'R_AARCH64_PREL32',
  274: 'R_AARCH64_ADR_PREL_LO21',
  275: 'R_AARCH64_ADR_PREL_PG_HI21',
  277: 'R_AARCH64_ADD_ABS_LO12_NC',
  278: 'R_AARCH64_LDST8_ABS_LO12_NC',
  279: 'R_AARCH64_TSTBR14',
  280: 'R_AARCH64_CONDBR19',
  282: 'R_AARCH64_JUMP26',
  283: 'R_AARCH64_CALL26',
  284: 'R_AARCH64_LDST16_ABS_LO12_NC',
  285: 'R_AARCH64_LDST32_ABS_LO12_NC',
  286: 'R_AARCH64_LDST64_ABS_LO12_NC',
  299: 'R_AARCH64_LDST128_ABS_LO12_NC',
};
const arm64Branches = new Set([279, 280, 282, 283]);

export function relocationTypeName(arch: DisasmArch, type: number): string {
  return (arch === 'x86_64' ? x86Names : arm64Names)[type] ?? `R_${arch === 'x86_64' ? 'X86_64' : 'AARCH64'}_${type}`;
}

/** `sym`, `sym+0x10` or `sym-0x4`, as objdump -r writes a relocation's symbol and addend. */
export function symbolPlusAddend(symbol: string, addend: bigint): string {
  if (addend === 0n) return symbol;
  return addend < 0n ? `${symbol}-0x${hex(-addend)}` : `${symbol}+0x${hex(addend)}`;
}

export interface RelocationContext {
  arch: DisasmArch;
  nameAddress?: AddressNamer;
}

/**
 * Annotates instructions with the relocations that land in their bytes. A relocated direct branch
 * gets its real target as operand; a relocated PC-relative memory operand gets the target as comment;
 * anything else keeps objdump's text and carries the relocation (`R_X86_64_32S .rodata.str1.1+0x8`).
 */
export function applyCodeRelocations(
  instructions: DisasmInstruction[],
  relocations: CodeRelocation[],
  context: RelocationContext,
): DisasmInstruction[] {
  if (relocations.length === 0) return instructions;
  const sorted = [...relocations].sort((a, b) => (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  let r = 0;
  return instructions.map((insn) => {
    const end = insn.address + BigInt(insn.bytes.length);
    while (r < sorted.length && sorted[r]!.offset < insn.address) r++;
    const here: CodeRelocation[] = [];
    for (let k = r; k < sorted.length && sorted[k]!.offset < end; k++) here.push(sorted[k]!);
    if (here.length === 0) return insn;
    return here.reduce((acc, rel) => annotate(acc, rel, end, context), insn);
  });
}

function annotate(insn: DisasmInstruction, rel: CodeRelocation, end: bigint, context: RelocationContext): DisasmInstruction {
  const { arch } = context;
  const relocation = `${relocationTypeName(arch, rel.type)}\t${symbolPlusAddend(rel.symbol, rel.addend)}`;
  const out: DisasmInstruction = { ...insn, relocations: [...(insn.relocations ?? []), relocation] };
  const pcRelative = arch === 'x86_64' ? x86PcRelative.has(rel.type) : arm64Branches.has(rel.type);
  if (!pcRelative) return out;
  // x86: the CPU adds the displacement to the next instruction's address, the relocation to the
  // field's: the difference is what the addend's usual -4 compensates for.
  const addend = arch === 'x86_64' ? rel.addend + (end - rel.offset) : rel.addend;
  const symbolAddress = rel.symbolAddress;
  const targetText =
    symbolAddress === undefined
      ? symbolPlusAddend(rel.symbol, addend)
      : renderTarget(symbolAddress + addend, context.nameAddress);
  // x86 branches carry no comment; arm64 conditional branches carry objdump's `// b.any` aliases.
  const isBranch = insn.target !== undefined && (arch === 'arm64' || insn.comment === undefined);
  if (isBranch) {
    // The operand now says what the relocation says: objdump -dr's extra line would repeat it.
    if (insn.relocations === undefined) delete out.relocations;
    else out.relocations = insn.relocations;
    out.operands = targetText;
    if (symbolAddress !== undefined) out.target = symbolAddress + addend;
    else delete out.target;
  } else if (insn.comment !== undefined) {
    out.comment = symbolAddress === undefined ? `<${targetText}>` : targetText;
  }
  return out;
}

const arm64TargetTail = /(^|, )([0-9a-f]+)( <[^>]*>)?$/;

/**
 * What plain `objdump -d` (no `-r`) prints for the PC-relative operand of an AArch64 instruction that
 * a relocation patches (`bl`, `b`, `adrp`, `adr`, literal `ldr` of a `.ko`): binutils' AArch64
 * disassembler then takes the PC as 0, since the field holds only the addend, and objdump adds the
 * relocation symbol's value. The operand is named by that symbol when it is undefined (`bl 0 <memset>`),
 * else by the symbol `nameValue` finds at that value (`bl 2c6d4 <xfs_allocbt_maxlevels_ondisk>`).
 */
export function objdumpUnrelocatedTargets(
  instructions: DisasmInstruction[],
  relocations: CodeRelocation[],
  nameValue: (value: bigint) => string | undefined,
): DisasmInstruction[] {
  if (relocations.length === 0) return instructions;
  const byOffset = new Map(relocations.map((r) => [r.offset, r]));
  return instructions.map((insn) => {
    if (insn.target === undefined) return insn;
    let rel: CodeRelocation | undefined;
    for (let k = 0n; k < BigInt(insn.bytes.length) && rel === undefined; k++) rel = byOffset.get(insn.address + k);
    const tail = rel && arm64TargetTail.exec(insn.operands);
    if (!rel || !tail || tail[2] !== hex(insn.target)) return insn;
    const pcBase = insn.mnemonic === 'adrp' ? insn.address & ~0xfffn : insn.address;
    const value = BigInt.asUintN(64, insn.target - pcBase + (rel.symbolValue ?? 0n));
    const name = rel.symbolValue === undefined ? symbolPlusAddend(rel.symbol, value) : nameValue(value);
    const operand = renderTarget(value, () => name);
    return { ...insn, operands: `${insn.operands.slice(0, tail.index)}${tail[1]}${operand}`, target: value };
  });
}
