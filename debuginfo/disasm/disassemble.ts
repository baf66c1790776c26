// One entry point for every architecture: bytes and the address they were loaded at in, objdump-spelled
// instructions out, with a `.ko`'s code relocations shown when the caller passes them. The engines
// (iced-x86, capstone: WASM) load on the first disassembly, so importing debuginfo/ to symbolize costs nothing.
import { applyCodeRelocations } from './code-relocations.js';
import type { AddressNamer, CodeRelocation, DisasmArch, DisasmInstruction, DisasmSyntax } from './instruction.js';

export interface DisassembleRequest {
  arch: DisasmArch;
  bytes: Uint8Array;
  /** Address of `bytes[0]`; kernel addresses are 64-bit, never truncated. */
  address: bigint;
  /** AT&T (objdump's default) or Intel; x86 only. */
  syntax?: DisasmSyntax;
  nameAddress?: AddressNamer;
  relocations?: CodeRelocation[];
}

let x86: Promise<typeof import('./x86-decoder.js')> | undefined;
let arm64: Promise<typeof import('./arm64-decoder.js')> | undefined;

export async function disassemble(request: DisassembleRequest): Promise<DisasmInstruction[]> {
  const { arch, bytes, address, nameAddress } = request;
  const decoded =
    arch === 'x86_64'
      ? (await (x86 ??= import('./x86-decoder.js'))).decodeX86(bytes, address, { syntax: request.syntax ?? 'att', ...(nameAddress ? { nameAddress } : {}) })
      : await (await (arm64 ??= import('./arm64-decoder.js'))).decodeArm64(bytes, address, nameAddress ? { nameAddress } : {});
  if (!request.relocations || request.relocations.length === 0) return decoded;
  return applyCodeRelocations(decoded, request.relocations, { arch, ...(nameAddress ? { nameAddress } : {}) });
}
