// ELF64 little-endian cores: `qemu dump-guest-memory` without a format, a copy of /proc/vmcore, and
// `makedumpfile -E`. Each PT_LOAD maps physical memory (p_paddr) to file bytes; PT_NOTE segments hold the
// notes. Only the program headers and notes are read at open; a page is one positioned read.
//
// A page is held when at least one of its bytes is in the file; its bytes outside the file's data read as
// zeros. So:
// - a page wholly past p_filesz within p_memsz is absent, not zeros as ELF would have it: in a vmcore only
//   `makedumpfile -E -d N` writes p_memsz > p_filesz, for the pages it excluded (the kernel's /proc/vmcore
//   and qemu write them equal), and an excluded page is absent in every format;
// - a page whose file bytes lie past the end of the file (a truncated copy) is absent;
// - a page only partly inside the segments (a RAM range that ends mid-page, as /proc/vmcore's e820 ranges
//   can) is returned with the bytes outside zero: they are not RAM, so no kernel data lives there, and
//   refusing the page would hide the RAM part;
// - overlapping segments (/proc/vmcore maps the kernel image twice) hold the same bytes.
import { type ByteSource, parseNotes } from '../debuginfo/index.js';
import { vmcoreinfoOfNotes } from './core-notes.js';
import type { CoreDump, DumpFormat, ElfNote } from './core-dump.js';
import { VmcoreError } from './errors.js';
import { parseVmcoreinfo } from './vmcoreinfo.js';

const ET_CORE = 4;
const PT_LOAD = 1;
const PT_NOTE = 4;
/** e_phnum's escape: the real count is in section header 0's sh_info (qemu writes it for huge guests). */
const PN_XNUM = 0xffff;
const EHDR_SIZE = 64;
const PHDR_SIZE = 56;
const SHDR_SIZE = 64;
/** Page size when the dump has no VMCOREINFO to say it: x86-64's, the only one there. */
const DEFAULT_PAGE_SIZE = 4096;

/** The file-backed part of a PT_LOAD: its p_filesz bytes (what lies past them is not in the dump). */
interface LoadSegment {
  paddr: number;
  size: number;
  fileOffset: number;
}

export function openElfCore(file: string, source: ByteSource, format: DumpFormat = 'elf'): CoreDump {
  const fail = (code: 'not-a-vmcore' | 'unsupported' | 'bad-header' | 'truncated', detail: string): never => {
    throw new VmcoreError(file, code, detail);
  };
  const ehdr = source.read(0, EHDR_SIZE);
  if (ehdr.length < 4 || ehdr[0] !== 0x7f || ehdr[1] !== 0x45 || ehdr[2] !== 0x4c || ehdr[3] !== 0x46) fail('not-a-vmcore', 'not an ELF file');
  if (ehdr.length < EHDR_SIZE) fail('truncated', `ELF header cut at ${ehdr.length} bytes`);
  if (ehdr[4] !== 2) fail('unsupported', `ELF class ${ehdr[4]}: only 64-bit cores are read`);
  if (ehdr[5] !== 1) fail('unsupported', 'big-endian ELF core: only little-endian cores are read');
  const h = new DataView(ehdr.buffer, ehdr.byteOffset, ehdr.byteLength);
  const u64 = (v: DataView, at: number, field: string): number => {
    const n = v.getBigUint64(at, true);
    return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : fail('bad-header', `${field} 0x${n.toString(16)} is absurd`);
  };
  const type = h.getUint16(16, true);
  if (type !== ET_CORE) fail('not-a-vmcore', `ELF type ${type}, not a core file (ET_CORE)`);
  const machine = h.getUint16(18, true);
  const phoff = u64(h, 32, 'e_phoff');
  const shoff = u64(h, 40, 'e_shoff');
  const phentsize = h.getUint16(54, true);
  let phnum = h.getUint16(56, true);
  if (phentsize !== PHDR_SIZE) fail('bad-header', `e_phentsize ${phentsize}, expected ${PHDR_SIZE}`);
  if (phnum === PN_XNUM) {
    const shdr = source.read(shoff, SHDR_SIZE);
    if (shdr.length < SHDR_SIZE) fail('truncated', `section header 0 (e_phnum escape) at 0x${shoff.toString(16)} past the end`);
    phnum = new DataView(shdr.buffer, shdr.byteOffset, shdr.byteLength).getUint32(44, true);
  }
  if (phoff + phnum * PHDR_SIZE > source.size) fail('truncated', `${phnum} program headers at 0x${phoff.toString(16)} run past the end of the file`);
  const table = source.read(phoff, phnum * PHDR_SIZE);
  const view = new DataView(table.buffer, table.byteOffset, table.byteLength);

  const loads: LoadSegment[] = [];
  const notes: ElfNote[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = i * PHDR_SIZE;
    const pType = view.getUint32(at, true);
    const fileOffset = u64(view, at + 8, `program header ${i} p_offset`);
    const paddr = u64(view, at + 24, `program header ${i} p_paddr`);
    const fileSize = u64(view, at + 32, `program header ${i} p_filesz`);
    const memSize = u64(view, at + 40, `program header ${i} p_memsz`);
    if (paddr + memSize > Number.MAX_SAFE_INTEGER) fail('bad-header', `program header ${i}: segment ends past 2^53`);
    if (pType === PT_NOTE) {
      if (fileOffset + fileSize > source.size) fail('truncated', `note segment (program header ${i}) at 0x${fileOffset.toString(16)} runs past the end of the file`);
      notes.push(...parseNotes(source.read(fileOffset, fileSize)).notes);
    } else if (pType === PT_LOAD && Math.min(fileSize, memSize) > 0) {
      loads.push({ paddr, size: Math.min(fileSize, memSize), fileOffset });
    }
  }
  const vmcoreinfo = vmcoreinfoOfNotes(notes);
  const pageSize = pageSizeOf(vmcoreinfo) ?? fail('bad-header', `VMCOREINFO PAGESIZE is not a power of two from 4096 to 65536`);
  const lookup = new SegmentLookup(loads);

  return {
    file,
    format,
    machine,
    pageSize,
    notes,
    vmcoreinfo,
    readPage(pfn) {
      if (!Number.isSafeInteger(pfn) || pfn < 0) return undefined;
      const start = pfn * pageSize;
      const end = start + pageSize;
      const segments = lookup.overlapping(start, end);
      if (segments.length === 0) return undefined;
      const page = new Uint8Array(pageSize);
      for (const seg of segments) {
        const from = Math.max(start, seg.paddr);
        const want = Math.min(end, seg.paddr + seg.size) - from;
        if (source.readInto(seg.fileOffset + (from - seg.paddr), want, page.subarray(from - start)) < want) return undefined;
        if (want === pageSize) break;
      }
      return page;
    },
    close: () => source.close(),
  };
}

/** PAGESIZE from VMCOREINFO; without it (qemu without `-device vmcoreinfo`), 4096. */
function pageSizeOf(vmcoreinfo: string | undefined): number | undefined {
  const stated = vmcoreinfo === undefined ? undefined : parseVmcoreinfo(vmcoreinfo).pageSize;
  if (stated === undefined) return DEFAULT_PAGE_SIZE;
  return isPageSize(stated) ? stated : undefined;
}

export function isPageSize(n: number): boolean {
  return n >= 4096 && n <= 65536 && (n & (n - 1)) === 0;
}

/** Segments sorted by physical address, with the running maximum of their ends so overlaps are found. */
class SegmentLookup {
  private readonly segments: LoadSegment[];
  private readonly maxEnd: number[];

  constructor(loads: LoadSegment[]) {
    // Stable sort: of two segments at one address, the earlier header stays first.
    this.segments = [...loads].sort((a, b) => a.paddr - b.paddr);
    let max = 0;
    this.maxEnd = this.segments.map((s) => (max = Math.max(max, s.paddr + s.size)));
  }

  /** The segments that overlap [start, end), in address order. */
  overlapping(start: number, end: number): LoadSegment[] {
    // Last segment starting before `end`, then back while some earlier one can still reach `start`.
    let lo = 0;
    let hi = this.segments.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.segments[mid]!.paddr < end) lo = mid + 1;
      else hi = mid;
    }
    const out: LoadSegment[] = [];
    for (let i = lo - 1; i >= 0 && this.maxEnd[i]! > start; i--) {
      const s = this.segments[i]!;
      if (s.paddr + s.size > start) out.push(s);
    }
    return out.reverse();
  }
}
