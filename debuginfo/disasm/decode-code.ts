// Disassembles an oops `Code:` dump the way the kernel's scripts/decodecode does: all of it from the
// first byte (marking the instruction that holds the faulting byte), and from the faulting byte on.
// The dump starts at an arbitrary byte, so the first decode may be out of step with the real
// instruction stream; like syzkaller's "best guess", also find the fewest leading bytes to skip so
// that an instruction starts exactly at the marker.
import type { CodeLine } from './code-line.js';
import { disassemble } from './disassemble.js';
import type { DisasmArch, DisasmInstruction, DisasmSyntax } from './instruction.js';

// x86 instructions are at most 15 bytes long: skipping more can never resynchronise differently.
const maxSkip = 15;

export interface DecodedCodeListing {
  /** Leading bytes of the dump left out of this listing. */
  skipped: number;
  instructions: DisasmInstruction[];
  /** Index in `instructions` of the faulting instruction (the one holding the marked byte). */
  faultIndex: number | undefined;
  /** True when an instruction starts exactly at the marked byte. */
  alignedOnMarker: boolean;
}

export interface DecodedCode {
  arch: DisasmArch;
  /** Address of the dump's first byte (0 unless the caller gave the faulting PC). */
  start: bigint;
  markerOffset: number | undefined;
  /** Decoded from the first byte, as decodecode's "All code". */
  all: DecodedCodeListing;
  /** Decoded after skipping bytes so an instruction starts at the marker and nothing before it is
   *  undecodable, when "all" is not already so (syzkaller's "best guess, N bytes skipped"). */
  bestGuess: DecodedCodeListing | undefined;
  /** Decoded from the marked byte, as decodecode's "Code starting with the faulting instruction". */
  fromMarker: DisasmInstruction[] | undefined;
}

export interface DecodeCodeOptions {
  arch?: DisasmArch;
  syntax?: DisasmSyntax;
  /** The faulting PC (the `RIP:`/`pc :` value): addresses are then absolute, as `PC=` makes decodecode do. */
  pc?: bigint;
}

/** The architecture a `Code:` line implies when none is given: words are arm64's, bytes x86's. */
export function guessCodeArch(code: CodeLine): DisasmArch {
  return code.unitSize === 1 ? 'x86_64' : 'arm64';
}

export async function decodeCode(code: CodeLine, options: DecodeCodeOptions = {}): Promise<DecodedCode> {
  const arch = options.arch ?? guessCodeArch(code);
  const marker = code.markerOffset;
  const start = options.pc !== undefined && marker !== undefined ? options.pc - BigInt(marker) : 0n;
  const decodeFrom = async (skip: number): Promise<DecodedCodeListing> => {
    const instructions = await disassemble({
      arch,
      bytes: code.bytes.subarray(skip),
      address: start + BigInt(skip),
      ...(options.syntax ? { syntax: options.syntax } : {}),
    });
    return { skipped: skip, instructions, ...locateFault(instructions, marker === undefined ? undefined : start + BigInt(marker)) };
  };
  const all = await decodeFrom(0);
  let bestGuess: DecodedCodeListing | undefined;
  if (marker !== undefined && !(all.alignedOnMarker && isPlausible(all))) {
    for (let skip = 1; skip <= Math.min(maxSkip, marker); skip++) {
      const candidate = await decodeFrom(skip);
      if (candidate.alignedOnMarker && isPlausible(candidate)) {
        bestGuess = candidate;
        break;
      }
    }
  }
  const fromMarker =
    marker === undefined
      ? undefined
      : await disassemble({
          arch,
          bytes: code.bytes.subarray(marker),
          address: start + BigInt(marker),
          ...(options.syntax ? { syntax: options.syntax } : {}),
        });
  return { arch, start, markerOffset: marker, all, bestGuess, fromMarker };
}

function locateFault(
  instructions: DisasmInstruction[],
  faultAddress: bigint | undefined,
): { faultIndex: number | undefined; alignedOnMarker: boolean } {
  if (faultAddress === undefined) return { faultIndex: undefined, alignedOnMarker: false };
  const index = instructions.findIndex(
    (insn) => insn.address <= faultAddress && faultAddress < insn.address + BigInt(insn.bytes.length),
  );
  if (index < 0) return { faultIndex: undefined, alignedOnMarker: false };
  return { faultIndex: index, alignedOnMarker: instructions[index]!.address === faultAddress };
}

/** A resynchronised decode is only believable if nothing before the fault failed to decode. */
function isPlausible(listing: DecodedCodeListing): boolean {
  const upTo = listing.faultIndex ?? listing.instructions.length;
  return listing.instructions.slice(0, upTo + 1).every((insn) => !insn.invalid);
}
