// kdump-compressed dumps ("KDUMP   "), as `makedumpfile -c/-l/-p/-z` and `qemu dump-guest-memory
// -z/-l/-s` write them (layout: makedumpfile's diskdump_mod.h, qemu's include/sysemu/dump.h):
//
//   block 0                 disk_dump_header: signature, header_version, utsname, ..., block_size (= page size)
//   block 1                 kdump_sub_header: phys_base, ..., offset/size of VMCOREINFO and of the ELF notes
//   block 1 + sub_hdr_size  bitmap_blocks blocks: the 1st bitmap (RAM pages), then the 2nd (dumped pages)
//   then                    page_desc_t {u64 offset, u32 size, u32 flags, u64 page_flags}, one per dumped page
//   then                    the page data
//
// The descriptor of pfn is number rank(pfn) = set bits of the 2nd bitmap below pfn. At open the 2nd bitmap
// is read (1 bit per page: 32 KB for 1 GB of RAM) and a rank table of one count per 512 pages is built;
// a page then costs a popcount of at most 64 bitmap bytes and two positioned reads (descriptor, data).
// Alternative rejected: reading every descriptor at open (24 bytes per page: 6 MB for 1 GB of RAM).
//
// Facts of the writers (qemu 7.2, makedumpfile 1.7.2, x86-64 guests): both write the 64-bit header layout
// (timestamp padded to 22 bytes after utsname, so status sits at 424), header_version 6 (max_mapnr_64 in
// the sub-header), a 2-block sub-header with the notes at 4200 and VMCOREINFO at 5856, the compression in
// `status` too. qemu points every zero page at one shared uncompressed page of zeros; makedumpfile -d 0
// compresses each (and -d 1 leaves them out). qemu leaves
// utsname.release empty, sizes its bitmaps to the highest guest-physical block (the framebuffer and BIOS
// below 4 GB: max_mapnr 0x100000 for a 256 MB guest) and writes a wrong phys_base in the sub-header (it
// reads VMCOREINFO's decimal NUMBER(phys_base) as hex), so phys_base is taken from VMCOREINFO, never from
// here. makedumpfile stores a page uncompressed when compression does not shrink it (size == block_size,
// flags 0). A split dump (makedumpfile --split) is one file per pfn range [start_pfn, end_pfn): each has
// the whole bitmaps but the descriptors of its range only, so its descriptor index counts from start_pfn;
// each file opens alone and holds its range (joining the files is not done here).
import { type ByteSource, parseNotes } from '../debuginfo/index.js';
import { vmcoreinfoOfNotes, vmcoreinfoText } from './core-notes.js';
import type { CoreDump, DumpFormat } from './core-dump.js';
import { isPageSize } from './elf-core.js';
import { VmcoreError, type VmcoreErrorCode } from './errors.js';
import { decompressPage } from './page-codecs.js';

export const KDUMP_SIGNATURE = 'KDUMP   ';
const HEADER_SIZE = 464;
const SUB_HEADER_SIZE = 104;
const PAGE_DESC_SIZE = 24;
/** 2nd-bitmap bytes per rank-table entry (512 pages). */
const RANK_STRIDE = 64;
/** utsname.machine: the header carries no ELF e_machine. */
const MACHINES: Record<string, number> = { x86_64: 62, aarch64: 183, ppc64: 21, ppc64le: 21, s390x: 22, riscv64: 243, loongarch64: 258 };
/**
 * qemu 7.2 writes utsname.machine "Unknown" for a target that does not name itself (aarch64): the size of
 * an NT_PRSTATUS note's elf_prstatus then tells the machine (x86-64: 27 registers, arm64: 34).
 */
const MACHINE_BY_PRSTATUS_SIZE: Record<number, number> = { 336: 62, 392: 183 };
/** A note area or VMCOREINFO larger than this is a lie (real ones are a few KB per CPU). */
const MAX_NOTES = 64 << 20;

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let v = b; v; v >>= 1) n += v & 1;
  return n;
});

export function openKdumpCompressed(file: string, source: ByteSource, format: DumpFormat = 'kdump'): CoreDump {
  const fail = (code: VmcoreErrorCode, detail: string): never => {
    throw new VmcoreError(file, code, detail);
  };
  const header = source.read(0, HEADER_SIZE);
  if (ascii(header.subarray(0, 8)) !== KDUMP_SIGNATURE) fail('not-a-vmcore', 'no "KDUMP   " signature');
  if (header.length < HEADER_SIZE) fail('truncated', `kdump header cut at ${header.length} bytes`);
  const h = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const version = h.getUint32(8, true);
  const machineName = ascii(header.subarray(12 + 4 * 65, 12 + 5 * 65));
  const blockSize = h.getUint32(428, true);
  const subHeaderBlocks = h.getUint32(432, true);
  const bitmapBlocks = h.getUint32(436, true);
  if (!isPageSize(blockSize)) fail('bad-header', `block_size ${blockSize} is not a page size`);
  if (version < 1) fail('unsupported', `header_version ${version}: no sub-header`);

  const sub = source.read(blockSize, SUB_HEADER_SIZE);
  if (sub.length < SUB_HEADER_SIZE) fail('truncated', `sub-header at 0x${blockSize.toString(16)} past the end of the file`);
  const s = new DataView(sub.buffer, sub.byteOffset, sub.byteLength);
  const u64 = (at: number, field: string): number => {
    const v = s.getBigUint64(at, true);
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : fail('bad-header', `${field} 0x${v.toString(16)} is absurd`);
  };
  const maxMapnr = (version >= 6 ? u64(96, 'max_mapnr_64') : 0) || h.getUint32(440, true);
  const region = (offsetAt: number, sizeAt: number, what: string): Uint8Array | undefined => {
    const offset = u64(offsetAt, `offset of ${what}`);
    const size = u64(sizeAt, `size of ${what}`);
    if (size === 0) return undefined;
    if (size > MAX_NOTES) fail('bad-header', `${what}: ${size} bytes`);
    if (offset + size > source.size) fail('truncated', `${what} (${size} bytes at 0x${offset.toString(16)}) past the end of the file`);
    return source.read(offset, size);
  };
  const noteBytes = version >= 4 ? region(48, 56, 'ELF notes') : undefined;
  const infoBytes = version >= 3 ? region(32, 40, 'VMCOREINFO') : undefined;
  const notes = noteBytes === undefined ? [] : parseNotes(noteBytes).notes;
  const vmcoreinfo = infoBytes === undefined ? vmcoreinfoOfNotes(notes) : vmcoreinfoText(infoBytes);
  const prstatus = notes.find((n) => n.name === 'CORE' && n.type === 1);
  const machine = MACHINES[machineName] ?? (machineName === 'Unknown' && prstatus ? MACHINE_BY_PRSTATUS_SIZE[prstatus.desc.length] : undefined) ??
    fail('unsupported', `machine "${machineName}": only 64-bit dumps are read`);

  const bitmapOffset = (1 + subHeaderBlocks) * blockSize;
  const bitmapLength = bitmapBlocks * blockSize;
  if (bitmapLength / 2 < Math.ceil(maxMapnr / 8)) fail('bad-header', `bitmaps of ${bitmapBlocks} blocks cannot cover max_mapnr ${maxMapnr}`);
  if (bitmapOffset + bitmapLength > source.size) fail('truncated', `bitmaps (${bitmapLength} bytes at 0x${bitmapOffset.toString(16)}) past the end of the file`);
  const split = s.getUint32(12, true) !== 0;
  const range = split
    ? { start: version >= 6 ? u64(80, 'start_pfn_64') : u64(16, 'start_pfn'), end: version >= 6 ? u64(88, 'end_pfn_64') : u64(24, 'end_pfn') }
    : { start: 0, end: maxMapnr };
  const dumped = new DumpedPages(source.read(bitmapOffset + bitmapLength / 2, Math.ceil(maxMapnr / 8)), range.start, Math.min(range.end, maxMapnr));
  const descOffset = bitmapOffset + bitmapLength;
  if (dumped.count > 0 && descOffset + PAGE_DESC_SIZE > source.size) fail('truncated', `page descriptors at 0x${descOffset.toString(16)} past the end of the file`);

  const desc = new Uint8Array(PAGE_DESC_SIZE);
  const descView = new DataView(desc.buffer);
  return {
    file,
    format,
    machine,
    pageSize: blockSize,
    notes,
    vmcoreinfo,
    readPage(pfn) {
      const index = dumped.indexOf(pfn);
      if (index === undefined) return undefined;
      // A dump cut short (ENOSPC, a partial copy) loses its last descriptors and pages: absent, not an error.
      if (source.readInto(descOffset + index * PAGE_DESC_SIZE, PAGE_DESC_SIZE, desc) < PAGE_DESC_SIZE) return undefined;
      const offset = Number(descView.getBigUint64(0, true));
      const size = descView.getUint32(8, true);
      const flags = descView.getUint32(12, true);
      // makedumpfile leaves the descriptors of pages it never wrote (an incomplete dump) zero.
      if (offset === 0 || size === 0) return undefined;
      const address = BigInt(pfn) * BigInt(blockSize);
      if (size > 2 * blockSize) throw new VmcoreError(file, 'decompress-failed', `page descriptor ${index}: ${size} bytes for one page`, address);
      if (offset + size > source.size) return undefined;
      try {
        return decompressPage(flags, source.read(offset, size), blockSize);
      } catch (e) {
        throw new VmcoreError(file, 'decompress-failed', `page of ${size} bytes at 0x${offset.toString(16)} (flags 0x${flags.toString(16)}): ${(e as Error).message}`, address);
      }
    },
    close: () => source.close(),
  };
}

/** The 2nd bitmap with a rank table: which pages of [start, end) were dumped, and each one's descriptor index. */
class DumpedPages {
  /** Dumped pages in [start, end): the descriptors the file holds. */
  readonly count: number;
  private readonly ranks: Float64Array;
  private readonly base: number;
  private readonly total: number;

  constructor(
    private readonly bitmap: Uint8Array,
    private readonly start: number,
    private readonly end: number,
  ) {
    this.ranks = new Float64Array(Math.ceil(bitmap.length / RANK_STRIDE) + 1);
    let count = 0;
    for (let i = 0; i < bitmap.length; i++) {
      if (i % RANK_STRIDE === 0) this.ranks[i / RANK_STRIDE] = count;
      count += POPCOUNT[bitmap[i]!]!;
    }
    this.total = count;
    this.base = start < end ? this.rank(start) : 0;
    this.count = start < end ? this.rank(end) - this.base : 0;
  }

  /** The descriptor index of `pfn`, or undefined when the page was not dumped (in this file's range). */
  indexOf(pfn: number): number | undefined {
    if (!Number.isSafeInteger(pfn) || pfn < this.start || pfn >= this.end) return undefined;
    if ((this.bitmap[Math.floor(pfn / 8)]! & (1 << pfn % 8)) === 0) return undefined;
    return this.rank(pfn) - this.base;
  }

  /** Set bits below `pfn`. */
  private rank(pfn: number): number {
    const byte = Math.floor(pfn / 8);
    if (byte >= this.bitmap.length) return this.total;
    let rank = this.ranks[Math.floor(byte / RANK_STRIDE)]!;
    for (let i = byte - (byte % RANK_STRIDE); i < byte; i++) rank += POPCOUNT[this.bitmap[i]!]!;
    return rank + POPCOUNT[this.bitmap[byte]! & ((1 << pfn % 8) - 1)]!;
  }
}

function ascii(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return String.fromCharCode(...(end < 0 ? bytes : bytes.subarray(0, end)));
}
