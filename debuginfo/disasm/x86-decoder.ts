// Decodes x86-64 machine code with iced-x86 into objdump-spelled instructions. Bytes cut off by the
// end of the buffer (an oops `Code:` line ends mid-instruction) come out one per line as objdump
// shows them: prefix names (`rex.W`, `data16`) or `.byte 0x8b`.
import iced from 'iced-x86';
import type { AddressNamer, DisasmInstruction, DisasmSyntax } from './instruction.js';
import { X86ObjdumpFormatter } from './x86-objdump-formatter.js';

const { Decoder, DecoderError, DecoderOptions, Instruction } = iced;

export interface X86DecodeOptions {
  syntax?: DisasmSyntax;
  nameAddress?: AddressNamer;
}

const formatters = new Map<DisasmSyntax, X86ObjdumpFormatter>();

function formatterFor(syntax: DisasmSyntax): X86ObjdumpFormatter {
  let f = formatters.get(syntax);
  if (f === undefined) formatters.set(syntax, (f = new X86ObjdumpFormatter(syntax)));
  return f;
}

/** Decodes `bytes` as if loaded at `address`, from the first byte to the last. */
export function decodeX86(bytes: Uint8Array, address: bigint, options: X86DecodeOptions = {}): DisasmInstruction[] {
  const formatter = formatterFor(options.syntax ?? 'att');
  const decoder = new Decoder(64, bytes, DecoderOptions.None);
  const insn = new Instruction();
  const out: DisasmInstruction[] = [];
  try {
    decoder.ip = address;
    while (decoder.canDecode) {
      const offset = decoder.position;
      decoder.decodeOut(insn);
      if (decoder.lastError === DecoderError.NoMoreBytes) {
        for (let i = offset; i < bytes.length; i++) out.push(truncatedByte(bytes[i]!, address + BigInt(i)));
        break;
      }
      if (insn.isInvalid) {
        // objdump's `(bad)` takes one byte and decoding resumes at the next, whatever iced consumed.
        out.push({ address: address + BigInt(offset), bytes: bytes.subarray(offset, offset + 1), mnemonic: '(bad)', operands: '', invalid: true });
        decoder.position = offset + 1;
        decoder.ip = address + BigInt(offset + 1);
        continue;
      }
      out.push(formatter.format(insn, bytes.subarray(offset, offset + insn.length), options.nameAddress));
    }
  } finally {
    insn.free();
    decoder.free();
  }
  return out;
}

const prefixNames = new Map<number, string>([
  [0x26, 'es'],
  [0x2e, 'cs'],
  [0x36, 'ss'],
  [0x3e, 'ds'],
  [0x64, 'fs'],
  [0x65, 'gs'],
  [0x66, 'data16'],
  [0x67, 'addr32'],
  [0xf0, 'lock'],
  [0xf2, 'repnz'],
  [0xf3, 'repz'],
]);

function truncatedByte(byte: number, address: bigint): DisasmInstruction {
  let mnemonic = prefixNames.get(byte);
  if (byte >= 0x40 && byte <= 0x4f) {
    const bits = ['W', 'R', 'X', 'B'].filter((_, i) => (byte & (8 >> i)) !== 0).join('');
    mnemonic = bits === '' ? 'rex' : `rex.${bits}`;
  }
  const bytes = Uint8Array.of(byte);
  if (mnemonic !== undefined) return { address, bytes, mnemonic, operands: '', invalid: true };
  return { address, bytes, mnemonic: `.byte 0x${byte.toString(16)}`, operands: '', invalid: true };
}
