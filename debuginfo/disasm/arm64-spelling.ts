// Capstone's AArch64 text → GNU objdump's: branch targets as `addr <sym+off>`, `#0x0` immediates in
// hex, objdump's trailing comments (`// #4269801472`, `// b.any`, `// eq = none`). Measured against
// aarch64-linux-gnu-objdump 2.40 on glibc and on kernel-style code built by the tests.
import type { AddressNamer, DisasmInstruction } from './instruction.js';
import { renderTarget } from './instruction.js';

type Spelled = Pick<DisasmInstruction, 'mnemonic' | 'operands' | 'comment' | 'target'>;

const pcRelative = new Set(['b', 'bl', 'cbz', 'cbnz', 'tbz', 'tbnz', 'adr', 'adrp']);
const literalLoads = new Set(['ldr', 'ldrsw', 'prfm']);

// objdump's other names for each condition code, printed as a comment (aarch64-dis.c).
const conditionAliases: Record<string, string[]> = {
  eq: ['none'],
  ne: ['any'],
  cs: ['hs', 'nlast'],
  cc: ['lo', 'ul', 'last'],
  mi: ['first'],
  pl: ['nfrst'],
  hi: ['pmore'],
  ls: ['plast'],
  ge: ['tcont'],
  lt: ['tstop'],
};
const canonicalCondition: Record<string, string> = { hs: 'cs', lo: 'cc' };
const conditionalSelects = new Set([
  'csel', 'csinc', 'csinv', 'csneg', 'cset', 'csetm', 'cinc', 'cinv', 'cneg', 'ccmp', 'ccmn', 'fcsel', 'fccmp', 'fccmpe',
]);
// Immediates objdump prints in decimal: bit positions and widths, shift amounts, memory offsets.
const decimalMnemonics = new Set([
  'lsl', 'lsr', 'asr', 'ror', 'ubfx', 'ubfiz', 'sbfx', 'sbfiz', 'bfi', 'bfxil', 'bfc', 'extr', 'tbz', 'tbnz',
  'ubfm', 'sbfm', 'bfm', 'shl', 'sshr', 'ushr', 'sli', 'sri', 'shrn', 'rshrn', 'sshll', 'ushll', 'ext', 'udf',
  'fcvtzs', 'fcvtzu', 'scvtf', 'ucvtf', 'cmeq', 'cmge', 'cmgt', 'cmle', 'cmlt', 'fcmeq', 'fcmge', 'fcmgt', 'fcmle', 'fcmlt',
]);
// Vector widenings by zero that objdump prints under their alias.
const widenAliases: Record<string, string> = { ushll: 'uxtl', ushll2: 'uxtl2', sshll: 'sxtl', sshll2: 'sxtl2' };
const shiftWord = /(lsl|lsr|asr|ror|msl|[su]xt[bhwx]) $/;

export function respellArm64(mnemonic: string, opStr: string, nameAddress: AddressNamer | undefined): Spelled {
  let m = mnemonic;
  let ops = opStr;
  let comment: string | undefined;
  let target: bigint | undefined;

  const cond = /^b\.(\w+)$/.exec(m);
  if (cond) {
    const c = canonicalCondition[cond[1]!] ?? cond[1]!;
    m = `b.${c}`;
    const aliases = conditionAliases[c];
    if (aliases) comment = aliases.map((a) => `b.${a}`).join(', ');
  }
  // A PC-relative target is the last operand, printed by capstone as an absolute `#0x...`.
  const literalLoad = literalLoads.has(m) && !ops.includes('[');
  if (cond !== null || pcRelative.has(m) || literalLoad) {
    const last = /#(-?0x[0-9a-f]+|-?\d+)$/.exec(ops);
    if (last) {
      target = BigInt.asUintN(64, parseSigned(last[1]!));
      ops = `${ops.slice(0, last.index)}${renderTarget(target, nameAddress)}`;
    }
  }
  if (conditionalSelects.has(m)) {
    const last = /(\w+)$/.exec(ops);
    if (last) {
      const c = canonicalCondition[last[1]!] ?? last[1]!;
      ops = ops.slice(0, last.index) + c;
      const aliases = conditionAliases[c];
      if (aliases) comment = `${c} = ${aliases.join(', ')}`;
    }
  }
  const widen = widenAliases[m];
  if (widen !== undefined && ops.endsWith(', #0')) {
    m = widen;
    ops = ops.slice(0, -', #0'.length);
  }
  ops = respellImmediates(m, hyphenateRegisterList(ops));
  if (m === 'mov' && comment === undefined) comment = movComment(ops);
  const result: Spelled = { mnemonic: m, operands: ops };
  if (comment !== undefined) result.comment = comment;
  if (target !== undefined) result.target = target;
  return result;
}

function respellImmediates(mnemonic: string, ops: string): string {
  const registerBits = /^[wWs]/.test(ops) ? 32 : 64;
  const floats = mnemonic !== 'fmov' ? ops : ops.replace(/#(-?\d+\.\d+)/g, (_, text: string) => `#${objdumpFloat(Number(text))}`);
  return floats.replace(/#(-?(?:0x[0-9a-f]+|\d+))(?![.\d])/g, (_, text: string, at: number) => {
    const before = floats.slice(0, at);
    const inMemory = before.lastIndexOf('[') > before.lastIndexOf(']');
    const postIndex = before.endsWith('], ');
    const value = parseSigned(text);
    if (inMemory || postIndex || shiftWord.test(before) || decimalMnemonics.has(mnemonic)) {
      return `#${BigInt.asIntN(64, value)}`;
    }
    if (value < 0n) return `#0x${BigInt.asUintN(registerBits, value).toString(16)}`;
    return `#0x${value.toString(16)}`;
  });
}

/**
 * objdump writes a list of three or four vector registers numbered upward without wrapping past v31
 * as a range: `{v8.4s-v11.4s}`, where capstone lists each (`{v8.4s, v9.4s, v10.4s, v11.4s}`).
 */
function hyphenateRegisterList(ops: string): string {
  return ops.replace(/\{(v\d+\.\w+(?:, v\d+\.\w+){2,3})\}/, (whole, list: string) => {
    const regs = list.split(', ');
    const numbers = regs.map((r) => Number(/^v(\d+)/.exec(r)![1]));
    const upward = numbers.every((n, i) => i === 0 || n === numbers[i - 1]! + 1);
    return upward ? `{${regs[0]}-${regs.at(-1)}}` : whole;
  });
}

/** objdump follows `mov Rd, #imm` with the value in signed decimal: `// #4269801472`, `// #-1`. */
function movComment(ops: string): string | undefined {
  const imm = /^([wx])\w*, #(0x[0-9a-f]+)$/.exec(ops);
  if (!imm) return undefined;
  const value = BigInt(imm[2]!);
  return `#${BigInt.asIntN(imm[1] === 'w' ? 32 : 64, value).toString(10)}`;
}

/** objdump prints floating-point immediates with printf's `%e` and 18 digits: `#1.000000000000000000e+00`. */
function objdumpFloat(value: number): string {
  const [mantissa, exponent] = value.toExponential(18).split('e') as [string, string];
  const sign = exponent.startsWith('-') ? '-' : '+';
  return `${mantissa}e${sign}${exponent.replace(/^[-+]/, '').padStart(2, '0')}`;
}

function parseSigned(text: string): bigint {
  return text.startsWith('-') ? -BigInt(text.slice(1)) : BigInt(text);
}
