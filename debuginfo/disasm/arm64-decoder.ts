// Decodes AArch64 machine code with capstone (the `@alexaltea/capstone-js` WASM build) and respells
// it as GNU objdump does. Capstone reports addresses as signed 64-bit numbers, so every address is
// computed here from the start address and the instruction index (AArch64 instructions are 4 bytes).
import { createRequire } from 'node:module';
import type { AddressNamer, DisasmInstruction } from './instruction.js';
import { respellArm64 } from './arm64-spelling.js';

interface CapstoneInsn {
  size: number;
  mnemonic: string;
  op_str: string;
}
interface CapstoneHandle {
  disasm(bytes: Uint8Array | number[], address: bigint | number, count?: number): CapstoneInsn[];
  close(): void;
}
interface CapstoneModule {
  Capstone: new (arch: number, mode: number) => CapstoneHandle;
  ARCH_ARM64: number;
  MODE_ARM: number;
}

let engine: Promise<CapstoneHandle> | undefined;

/** Loads capstone's WASM once per process (about 3 MB; tens of milliseconds). */
export function loadArm64Engine(): Promise<CapstoneHandle> {
  engine ??= (async () => {
    const require = createRequire(import.meta.url);
    const factory = require('@alexaltea/capstone-js') as () => Promise<CapstoneModule>;
    const cs = await factory();
    return new cs.Capstone(cs.ARCH_ARM64, cs.MODE_ARM);
  })();
  return engine;
}

function decodeWord(cs: CapstoneHandle, word: Uint8Array, at: bigint): CapstoneInsn | undefined {
  try {
    return cs.disasm(word, BigInt.asIntN(64, at), 1)[0];
  } catch {
    // capstone.js throws when cs_disasm decodes nothing: an undefined encoding.
    return undefined;
  }
}

export interface Arm64DecodeOptions {
  nameAddress?: AddressNamer;
}

/** Decodes `bytes` as if loaded at `address`; words capstone cannot decode become objdump's `.inst`. */
export async function decodeArm64(
  bytes: Uint8Array,
  address: bigint,
  options: Arm64DecodeOptions = {},
): Promise<DisasmInstruction[]> {
  const cs = await loadArm64Engine();
  const out: DisasmInstruction[] = [];
  for (let offset = 0; offset + 4 <= bytes.length; offset += 4) {
    const word = bytes.subarray(offset, offset + 4);
    const at = address + BigInt(offset);
    // One word at a time: capstone stops at the first undecodable word, and its addresses are signed.
    const decoded = decodeWord(cs, word, at);
    if (decoded === undefined) {
      const value = (word[0]! | (word[1]! << 8) | (word[2]! << 16) | (word[3]! << 24)) >>> 0;
      out.push({ address: at, bytes: word, mnemonic: '.inst', operands: `0x${value.toString(16).padStart(8, '0')}`, comment: 'undefined', invalid: true });
      continue;
    }
    out.push({ address: at, bytes: word, ...respellArm64(decoded.mnemonic, decoded.op_str, options.nameAddress) });
  }
  return out;
}
