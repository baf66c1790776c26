// Spells an iced-x86 instruction the way GNU objdump -d (binutils 2.40) does: AT&T, or `-M intel` on request.
// iced's GAS formatter gets mnemonics, registers and immediates right; memory operands, branch
// targets, string-instruction operands and a handful of objdump idioms (`cs nopw`, `shr %rdx`,
// three-operand `imul` with a repeated register) are rendered here, because iced's options cannot
// express them (e.g. `0x0(%rbp)` for an encoded zero displacement next to `(%rax)` for none).
import iced from 'iced-x86';
import type { Instruction as IcedInstruction } from 'iced-x86';
import { type AddressNamer, type DisasmInstruction, type DisasmSyntax, hex, renderTarget } from './instruction.js';

const { Code, FlowControl, Formatter, FormatterSyntax, MemorySizeOptions, OpKind, Register } = iced;

const shiftByOne = /^(Rol|Ror|Rcl|Rcr|Shl|Sal|Shr|Sar)_rm(8|16|32|64)_1$/;
const threeOperandImul = /^Imul_r(16|32|64)_rm(16|32|64)_imm/;
const inOut = /^(In|Out)(s[bwd])?_/;
// objdump names the implicit operands of these; iced leaves them out.
const implicitOperands = new Map<string, string>([
  ['Monitorq', '%rax,%ecx,%edx'],
  ['Monitord', '%eax,%ecx,%edx'],
  ['Mwait', '%eax,%ecx'],
]);
// Segment overrides that do nothing in 64-bit mode: objdump names them as prefixes (`cs nopw`).
const nullSegments = new Map<number, string>([
  [Register.CS, 'cs'],
  [Register.DS, 'ds'],
  [Register.ES, 'es'],
  [Register.SS, 'ss'],
]);

const legacyPrefixes = new Set([0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]);

function makeFormatter(syntax: DisasmSyntax): InstanceType<typeof Formatter> {
  const f = new Formatter(syntax === 'att' ? FormatterSyntax.Gas : FormatterSyntax.Intel);
  f.hexPrefix = '0x';
  f.hexSuffix = '';
  f.uppercaseHex = false;
  f.smallHexNumbersInDecimal = false;
  f.leadingZeros = false;
  f.spaceAfterOperandSeparator = false;
  f.ripRelativeAddresses = true;
  f.showUselessPrefixes = true;
  f.gasShowMnemonicSizeSuffix = false;
  if (syntax === 'intel') {
    f.memorySizeOptions = MemorySizeOptions.Always;
    f.uppercaseKeywords = true;
  }
  return f;
}

function signedHex(value: bigint): string {
  return value < 0n ? `-0x${hex(-value)}` : `0x${hex(value)}`;
}

/** One formatter per syntax, kept for the process: each holds an iced WASM object. */
export class X86ObjdumpFormatter {
  private readonly f: InstanceType<typeof Formatter>;
  private readonly syntax: DisasmSyntax;

  constructor(syntax: DisasmSyntax) {
    this.syntax = syntax;
    this.f = makeFormatter(syntax);
  }

  /** `nameAddress` names branch targets and PC-relative operands; without it they print as `0x...`. */
  format(insn: IcedInstruction, bytes: Uint8Array, nameAddress?: AddressNamer): DisasmInstruction {
    const address = insn.ip;
    if (insn.isInvalid || insn.code === Code.INVALID) {
      return { address, bytes, mnemonic: '(bad)', operands: '', invalid: true };
    }
    let mnemonic = fixMnemonic(this.f.formatMnemonic(insn));
    const nullSegment = nullSegments.get(insn.segmentPrefix);
    if (nullSegment !== undefined && !mnemonic.startsWith(`${nullSegment} `)) mnemonic = `${nullSegment} ${mnemonic}`;
    mnemonic = 'data16 '.repeat(redundantOperandSizePrefixes(bytes)) + mnemonic;

    const result: DisasmInstruction = { address, bytes, mnemonic, operands: '' };
    const branch = this.branchTarget(insn);
    if (branch !== undefined) {
      result.target = branch;
      result.operands = renderTarget(branch, nameAddress);
      return result;
    }
    if (this.syntax === 'intel') result.mnemonic = intelMnemonic(result.mnemonic, insn);
    result.operands = this.syntax === 'att' ? this.attOperands(insn) : this.intelOperands(insn);
    if (insn.isIpRelMemoryOperand) {
      result.target = insn.ipRelMemoryAddress;
      result.comment = renderTarget(insn.ipRelMemoryAddress, nameAddress);
    }
    return result;
  }

  private branchTarget(insn: IcedInstruction): bigint | undefined {
    const fc = insn.flowControl;
    const direct =
      fc === FlowControl.Call || fc === FlowControl.UnconditionalBranch || fc === FlowControl.ConditionalBranch;
    if (!direct || insn.opCount !== 1) return undefined;
    const kind = insn.op0Kind;
    if (kind !== OpKind.NearBranch64 && kind !== OpKind.NearBranch32 && kind !== OpKind.NearBranch16) return undefined;
    return insn.nearBranchTarget;
  }

  private attOperands(insn: IcedInstruction): string {
    const codeName = Code[insn.code] ?? '';
    const implicit = implicitOperands.get(codeName);
    if (implicit !== undefined) return implicit;
    const indirect = insn.flowControl === FlowControl.IndirectBranch || insn.flowControl === FlowControl.IndirectCall;
    const parts: string[] = [];
    const count = this.f.operandCount(insn);
    for (let fo = 0; fo < count; fo++) {
      const io = this.f.getInstructionOperand(insn, fo);
      if (io !== undefined && isMemoryKind(insn.opKind(io))) {
        parts.push((indirect ? '*' : '') + this.attMemory(insn, insn.opKind(io)));
      }
      else parts.push(this.f.formatOperand(insn, fo));
    }
    if (shiftByOne.test(codeName)) parts.shift();
    if (threeOperandImul.test(codeName) && parts.length === 2) parts.splice(1, 0, parts[1]!);
    if (inOut.test(codeName)) {
      const i = parts.indexOf('%dx');
      if (i >= 0) parts[i] = '(%dx)';
    }
    return parts.join(',');
  }

  private intelOperands(insn: IcedInstruction): string {
    const codeName = Code[insn.code] ?? '';
    if (insn.isStringInstruction) return this.intelStringOperands(insn);
    const parts: string[] = [];
    const count = this.f.operandCount(insn);
    for (let fo = 0; fo < count; fo++) {
      const io = this.f.getInstructionOperand(insn, fo);
      const text = this.f.formatOperand(insn, fo);
      if (io !== undefined && insn.opKind(io) === OpKind.Memory) {
        const size = /^((?:\w+ )*PTR )/.exec(text)?.[1] ?? '';
        parts.push(size + this.intelMemory(insn));
      } else parts.push(text);
    }
    if (shiftByOne.test(codeName) && parts[parts.length - 1] === '0x1') parts[parts.length - 1] = '1';
    if (threeOperandImul.test(codeName) && parts.length === 2) parts.splice(1, 0, parts[0]!);
    return parts.join(',');
  }

  /** objdump -M intel names both operands of a string instruction: `QWORD PTR es:[rdi],rax`. */
  private intelStringOperands(insn: IcedInstruction): string {
    const size = stringOperandSize[this.f.formatMnemonic(insn).slice(-1)] ?? '';
    const parts: string[] = [];
    for (let i = 0; i < insn.opCount; i++) {
      const kind = insn.opKind(i);
      if (kind === OpKind.Register) parts.push(this.f.formatRegister(insn.opRegister(i)));
      else if (kind === OpKind.MemoryESRDI || kind === OpKind.MemoryESEDI) parts.push(`${size}es:[${kind === OpKind.MemoryESRDI ? 'rdi' : 'edi'}]`);
      else if (isMemoryKind(kind)) {
        const seg = insn.segmentPrefix === Register.None ? 'ds' : this.f.formatRegister(insn.segmentPrefix);
        const reg = kind === OpKind.MemorySegRSI || kind === OpKind.MemorySegESI ? 'si' : 'di';
        const wide = kind === OpKind.MemorySegRSI || kind === OpKind.MemorySegRDI ? 'r' : 'e';
        parts.push(`${size}${seg}:[${wide}${reg}]`);
      }
    }
    return parts.join(',');
  }

  private intelMemory(insn: IcedInstruction): string {
    const seg = insn.segmentPrefix;
    const segText = seg === Register.FS || seg === Register.GS ? `${this.f.formatRegister(seg)}:` : '';
    const base = insn.memoryBase;
    const index = insn.memoryIndex;
    if (base === Register.RIP || base === Register.EIP) {
      const rel = BigInt.asIntN(32, insn.ipRelMemoryAddress - insn.nextIP);
      // objdump -M intel prints a negative RIP displacement as a 64-bit unsigned one: [rip+0xffffffffff9c3293].
      return `${segText}[${this.f.formatRegister(base)}+0x${hex(BigInt.asUintN(64, rel))}]`;
    }
    const addressBits = isRegister32(base) || isRegister32(index) ? 32 : 64;
    if (base === Register.None && index === Register.None) {
      return `${segText || 'ds:'}0x${hex(BigInt.asUintN(addressBits, insn.memoryDisplacementU64))}`;
    }
    let inner = base === Register.None ? '' : this.f.formatRegister(base);
    if (index !== Register.None) inner += `${inner === '' ? '' : '+'}${this.f.formatRegister(index)}*${insn.memoryIndexScale}`;
    if (insn.memoryDisplSize > 0) {
      const displ = BigInt.asIntN(addressBits, insn.memoryDisplacementU64);
      inner += displ < 0n ? `-0x${hex(-displ)}` : `+0x${hex(displ)}`;
    }
    return `${segText}[${inner}]`;
  }

  private attMemory(insn: IcedInstruction, kind: number): string {
    switch (kind) {
      case OpKind.MemorySegRSI:
        return `${this.segmentText(insn, Register.DS)}(%rsi)`;
      case OpKind.MemorySegESI:
        return `${this.segmentText(insn, Register.DS)}(%esi)`;
      case OpKind.MemorySegRDI:
        return `${this.segmentText(insn, Register.DS)}(%rdi)`;
      case OpKind.MemorySegEDI:
        return `${this.segmentText(insn, Register.DS)}(%edi)`;
      case OpKind.MemoryESRDI:
        return '%es:(%rdi)';
      case OpKind.MemoryESEDI:
        return '%es:(%edi)';
      default:
        return this.attGeneralMemory(insn);
    }
  }

  private segmentText(insn: IcedInstruction, implicit: number): string {
    const seg = insn.segmentPrefix === Register.None ? implicit : insn.segmentPrefix;
    return `${this.f.formatRegister(seg)}:`;
  }

  private attGeneralMemory(insn: IcedInstruction): string {
    const seg = insn.segmentPrefix;
    const segText = seg === Register.FS || seg === Register.GS ? `${this.f.formatRegister(seg)}:` : '';
    const base = insn.memoryBase;
    const index = insn.memoryIndex;
    if (base === Register.RIP || base === Register.EIP) {
      const rel = BigInt.asIntN(32, insn.ipRelMemoryAddress - insn.nextIP);
      return `${segText}${signedHex(rel)}(${this.f.formatRegister(base)})`;
    }
    const addressBits = isRegister32(base) || isRegister32(index) ? 32 : 64;
    if (base === Register.None && index === Register.None) {
      return `${segText}0x${hex(BigInt.asUintN(addressBits, insn.memoryDisplacementU64))}`;
    }
    const displ =
      insn.memoryDisplSize > 0 ? signedHex(BigInt.asIntN(addressBits, insn.memoryDisplacementU64)) : '';
    const regs =
      index === Register.None
        ? this.f.formatRegister(base)
        : `${base === Register.None ? '' : this.f.formatRegister(base)},${this.f.formatRegister(index)},${insn.memoryIndexScale}`;
    return `${segText}${displ}(${regs})`;
  }
}

const stringOperandSize: Record<string, string> = { b: 'BYTE PTR ', w: 'WORD PTR ', d: 'DWORD PTR ', q: 'QWORD PTR ' };

/** objdump -M intel: `movabs` for 64-bit immediates and offsets, string instructions without a size letter. */
function intelMnemonic(mnemonic: string, insn: IcedInstruction): string {
  const codeName = Code[insn.code] ?? '';
  if (codeName === 'Mov_r64_imm64' || /^Mov_(RAX|EAX|AX|AL)_moffs|^Mov_moffs/.test(codeName)) return mnemonic.replace(/\bmov$/, 'movabs');
  if (insn.isStringInstruction) return mnemonic.replace(/\b(movs|stos|lods|scas|cmps|ins|outs)[bwdq]$/, '$1');
  return mnemonic;
}

function isMemoryKind(kind: number): boolean {
  return kind === OpKind.Memory || (kind >= OpKind.MemorySegSI && kind <= OpKind.MemoryESRDI);
}

function isRegister32(reg: number): boolean {
  return reg >= Register.EAX && reg <= Register.R15D;
}

function fixMnemonic(mnemonic: string): string {
  // binutils 2.40 dropped the `q` on push/pop/call/jmp in 64-bit mode, and spells 32-bit far ones bare.
  return mnemonic.replace(/\b(push|pop|call|jmp)q\b/, '$1').replace(/\b(lret|ljmp|lcall)l\b/, '$1');
}

/** objdump prints each 0x66 prefix beyond the one that sets the operand size as `data16`. */
function redundantOperandSizePrefixes(bytes: Uint8Array): number {
  let count = 0;
  for (const b of bytes) {
    if (b === 0x66) count++;
    else if (!legacyPrefixes.has(b)) break;
  }
  return Math.max(0, count - 1);
}
