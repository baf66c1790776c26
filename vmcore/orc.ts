// The kernel's ORC unwind tables (arch/x86/include/asm/orc_types.h, written by objtool): for every code
// address, where the caller's stack pointer, frame pointer and return address are. Two parallel arrays:
// `.orc_unwind_ip` holds 32-bit offsets, each relative to its own slot, and `.orc_unwind` a 6-byte entry
// per slot; a lookup takes the entry of the greatest ip at or below the address (binary search, as the
// kernel's __orc_find does). vmlinux's tables come from its file (link-time addresses); a module's from
// the kernel's memory, where the loader left them sorted at their run-time addresses.
//
// The 16 bits after sp_offset/bp_offset changed twice:
//   v1 (to 6.2):  sp_reg:4 bp_reg:4 type:2 end:1           types CALL=0 REGS=1 REGS_PARTIAL=2
//   v2 (6.3):     sp_reg:4 bp_reg:4 type:2 signal:1 end:1
//   v3 (6.4+):    sp_reg:4 bp_reg:4 type:3 signal:1        types UNDEFINED=0 END_OF_STACK=1 CALL=2 REGS=3 REGS_PARTIAL=4
// 6.4 also added `.orc_header` (a hash of orc_types.h), which tells v3 from the older two.
import { type ElfFile } from '../debuginfo/index.js';

export const ORC_REG_UNDEFINED = 0;
export const ORC_REG_PREV_SP = 1;
export const ORC_REG_DX = 2;
export const ORC_REG_DI = 3;
export const ORC_REG_BP = 4;
export const ORC_REG_SP = 5;
export const ORC_REG_R10 = 6;
export const ORC_REG_R13 = 7;
export const ORC_REG_BP_INDIRECT = 8;
export const ORC_REG_SP_INDIRECT = 9;

export type OrcVersion = 1 | 2 | 3;

/** What the entry says about the frame, normalized across the three layouts. */
export type OrcFrameType = 'undefined' | 'end-of-stack' | 'call' | 'regs' | 'regs-partial';

export interface OrcEntry {
  /** The code address the entry starts at (run-time). */
  ip: bigint;
  spOffset: number;
  bpOffset: number;
  /** ORC_REG_*: the register the caller's stack pointer is computed from. */
  spReg: number;
  /** ORC_REG_*: where the caller's frame pointer is (UNDEFINED: unchanged, PREV_SP: saved on the stack). */
  bpReg: number;
  type: OrcFrameType;
  /** The next frame's ip is not a return address (v2+, and REGS frames of v1). */
  signal: boolean;
}

const entrySize = 6;

/** Decodes the 6-byte entry at `offset` of `bytes` in the given layout. */
export function decodeOrcEntry(bytes: Uint8Array, offset: number, version: OrcVersion, ip: bigint): OrcEntry {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, entrySize);
  const spOffset = view.getInt16(0, true);
  const bpOffset = view.getInt16(2, true);
  const bits = view.getUint16(4, true);
  const spReg = bits & 0xf;
  const bpReg = (bits >> 4) & 0xf;
  let type: OrcFrameType;
  let signal: boolean;
  if (version === 3) {
    type = (['undefined', 'end-of-stack', 'call', 'regs', 'regs-partial'] as const)[(bits >> 8) & 7] ?? 'undefined';
    signal = ((bits >> 11) & 1) === 1;
  } else {
    const end = ((bits >> (version === 1 ? 10 : 11)) & 1) === 1;
    const raw = (bits >> 8) & 3;
    if (spReg === ORC_REG_UNDEFINED) type = end ? 'end-of-stack' : 'undefined';
    else type = raw === 0 ? 'call' : raw === 1 ? 'regs' : raw === 2 ? 'regs-partial' : 'undefined';
    signal = version === 2 ? ((bits >> 10) & 1) === 1 : type === 'regs' || type === 'regs-partial';
  }
  return { ip, spOffset, bpOffset, spReg, bpReg, type, signal };
}

/** One binary's ORC table: ips kept as numbers relative to `base` (the `.orc_unwind_ip` address). */
export class OrcTable {
  readonly count: number;
  private readonly base: bigint;
  private readonly ips: Float64Array;
  private readonly order: Uint32Array | undefined;
  private readonly entries: Uint8Array;
  readonly version: OrcVersion;

  /**
   * `ipOffsets`: the raw `.orc_unwind_ip` bytes (s32 each, relative to its own slot); `base`: the run-time
   * address of its first slot; `entries`: the raw `.orc_unwind` bytes.
   */
  constructor(ipOffsets: Uint8Array, base: bigint, entries: Uint8Array, version: OrcVersion) {
    const count = Math.min(Math.floor(ipOffsets.length / 4), Math.floor(entries.length / entrySize));
    const view = new DataView(ipOffsets.buffer, ipOffsets.byteOffset, count * 4);
    const ips = new Float64Array(count);
    let sorted = true;
    for (let i = 0; i < count; i++) {
      ips[i] = 4 * i + view.getInt32(4 * i, true);
      if (i > 0 && ips[i]! < ips[i - 1]!) sorted = false;
    }
    this.count = count;
    this.base = base;
    this.entries = entries;
    this.version = version;
    // A .ko's table is sorted only at load time; a file's may come unsorted.
    if (sorted) {
      this.ips = ips;
      this.order = undefined;
    } else {
      const order = new Uint32Array(count);
      for (let i = 0; i < count; i++) order[i] = i;
      order.sort((a, b) => ips[a]! - ips[b]! || a - b);
      this.order = order;
      this.ips = Float64Array.from(order, (i) => ips[i]!);
    }
  }

  /**
   * The entry covering `ip` (the greatest entry ip at or below it), or undefined below the first. The
   * caller knows which binary's text holds `ip`: past the last entry, the last (a terminator) answers.
   */
  find(ip: bigint): OrcEntry | undefined {
    if (this.count === 0) return undefined;
    const target = Number(ip - this.base);
    let lo = 0;
    let hi = this.count - 1;
    let at = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.ips[mid]! <= target) {
        at = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (at < 0) return undefined;
    const slot = this.order ? this.order[at]! : at;
    return decodeOrcEntry(this.entries, slot * entrySize, this.version, this.base + BigInt(this.ips[at]!));
  }
}

export interface VmlinuxOrcOptions {
  /** The KASLR slide added to every link-time address. */
  slide: bigint;
  /** The kernel release (`6.3.0-...`), telling v2 from v1 when there is no `.orc_header`. */
  release?: string;
}

/** vmlinux's ORC table at its run-time addresses, or undefined when the file has none (no CONFIG_UNWINDER_ORC). */
export function readVmlinuxOrc(elf: ElfFile, options: VmlinuxOrcOptions): OrcTable | undefined {
  const ipSection = elf.findSection('.orc_unwind_ip');
  const entrySection = elf.findSection('.orc_unwind');
  if (!ipSection || !entrySection) return undefined;
  const version = orcVersion(elf.findSection('.orc_header') !== undefined, options.release);
  return new OrcTable(elf.sectionData(ipSection), ipSection.addr + options.slide, elf.sectionData(entrySection), version);
}

/** The layout from the presence of `.orc_header` (6.4+) or else the release (6.3 alone has v2). */
export function orcVersion(hasHeader: boolean, release: string | undefined): OrcVersion {
  if (hasHeader) return 3;
  const m = /^(\d+)\.(\d+)/.exec(release ?? '');
  if (m && Number(m[1]) === 6 && Number(m[2]) === 3) return 2;
  if (m && (Number(m[1]) > 6 || (Number(m[1]) === 6 && Number(m[2]) >= 4))) return 3;
  return 1;
}
