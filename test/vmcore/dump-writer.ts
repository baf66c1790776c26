// Writes small vmcores of a known memory image in each format the readers take: ELF cores (PT_NOTE +
// PT_LOADs), kdump-compressed (header, sub-header with notes and VMCOREINFO, two bitmaps, page
// descriptors, pages; each compression), and makedumpfile's flattened records of either. The layouts are
// makedumpfile's diskdump_mod.h and qemu's dump.h; compressed bytes come from real compressors
// (node:zlib, snappyjs, the zstd and lzop programs), never from this project's decoders.
import { spawnSync } from 'node:child_process';
import { deflateSync } from 'node:zlib';
import { createRequire } from 'node:module';

export interface Note {
  name: string;
  type: number;
  desc: Uint8Array;
}

/** A memory image: the pages of RAM (pfn → bytes) and the notes a dump of it carries. */
export interface MemoryImage {
  pageSize: number;
  pages: Map<number, Uint8Array>;
  notes: Note[];
  /** VMCOREINFO text; also one of `notes` when the image carries it as a note. */
  vmcoreinfo?: string;
}

export type Compression = 'none' | 'zlib' | 'lzo' | 'snappy' | 'zstd';

const FLAG: Record<Compression, number> = { none: 0, zlib: 1, lzo: 2, snappy: 4, zstd: 0x20 };

export function hasProgram(name: string): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0;
}

export function encodeNotes(notes: Note[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const n of notes) {
    const name = Buffer.from(n.name + '\0', 'latin1');
    const head = new DataView(new ArrayBuffer(12));
    head.setUint32(0, name.length, true);
    head.setUint32(4, n.desc.length, true);
    head.setUint32(8, n.type, true);
    parts.push(new Uint8Array(head.buffer), pad4(name), pad4(n.desc));
  }
  return concat(parts);
}

export interface ElfSegment {
  paddr: number;
  data: Uint8Array;
  /** p_memsz when larger than the data (the rest reads as zeros). */
  memSize?: number;
}

/** One PT_LOAD per run of consecutive pfns. */
export function segmentsOf(image: MemoryImage): ElfSegment[] {
  const pfns = [...image.pages.keys()].sort((a, b) => a - b);
  const out: ElfSegment[] = [];
  let run: number[] = [];
  const flush = () => {
    if (run.length) out.push({ paddr: run[0]! * image.pageSize, data: concat(run.map((p) => image.pages.get(p)!)) });
    run = [];
  };
  for (const pfn of pfns) {
    if (run.length && pfn !== run[run.length - 1]! + 1) flush();
    run.push(pfn);
  }
  flush();
  return out;
}

export interface ElfOptions {
  segments?: ElfSegment[];
  /** Write e_phnum as PN_XNUM and the count in section header 0, as qemu does past 65534 headers. */
  phnumEscape?: boolean;
  machine?: number;
}

export function writeElfCore(image: MemoryImage, options: ElfOptions = {}): Uint8Array {
  const segments = options.segments ?? segmentsOf(image);
  const notes = encodeNotes(image.notes);
  const phnum = segments.length + 1;
  const phoff = 64;
  const shoff = options.phnumEscape ? phoff + phnum * 56 : 0;
  let offset = phoff + phnum * 56 + (options.phnumEscape ? 64 : 0);
  const header = new DataView(new ArrayBuffer(offset));
  const bytes = new Uint8Array(header.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  header.setUint16(16, 4, true);
  header.setUint16(18, options.machine ?? 62, true);
  header.setUint32(20, 1, true);
  header.setBigUint64(32, BigInt(phoff), true);
  header.setBigUint64(40, BigInt(shoff), true);
  header.setUint16(52, 64, true);
  header.setUint16(54, 56, true);
  header.setUint16(56, options.phnumEscape ? 0xffff : phnum, true);
  if (options.phnumEscape) {
    header.setUint16(58, 64, true);
    header.setUint16(60, 1, true);
    header.setUint32(shoff + 44, phnum, true);
  }
  const phdr = (i: number, type: number, fileOffset: number, paddr: number, filesz: number, memsz: number) => {
    const at = phoff + i * 56;
    header.setUint32(at, type, true);
    header.setBigUint64(at + 8, BigInt(fileOffset), true);
    header.setBigUint64(at + 24, BigInt(paddr), true);
    header.setBigUint64(at + 32, BigInt(filesz), true);
    header.setBigUint64(at + 40, BigInt(memsz), true);
  };
  phdr(0, 4, offset, 0, notes.length, notes.length);
  offset += notes.length;
  segments.forEach((s, i) => {
    phdr(i + 1, 1, offset, s.paddr, s.data.length, s.memSize ?? s.data.length);
    offset += s.data.length;
  });
  return concat([bytes, notes, ...segments.map((s) => s.data)]);
}

export interface KdumpOptions {
  compression: Compression;
  /** Pages of RAM left out of the dump (the 2nd bitmap's clear bits), as `makedumpfile -d` does. */
  excluded?: Set<number>;
  /** 6 (what qemu and makedumpfile write) or older: 5 has no max_mapnr_64. */
  headerVersion?: number;
  machineName?: string;
  /** Write VMCOREINFO through the sub-header's offset_vmcoreinfo (else only as a note, if at all). */
  vmcoreinfoInSubHeader?: boolean;
  /** One file of a split dump (makedumpfile --split): whole bitmaps, the pages of [start, end) only. */
  split?: { start: number; end: number };
}

export function writeKdump(image: MemoryImage, options: KdumpOptions): Uint8Array {
  const bs = image.pageSize;
  const version = options.headerVersion ?? 6;
  const pfns = [...image.pages.keys()].sort((a, b) => a - b);
  const maxMapnr = (pfns[pfns.length - 1] ?? 0) + 1;
  const notes = encodeNotes(image.notes);
  const info = options.vmcoreinfoInSubHeader && image.vmcoreinfo !== undefined ? Buffer.from(image.vmcoreinfo, 'latin1') : new Uint8Array(0);
  const subHeaderBlocks = Math.ceil((104 + notes.length + info.length) / bs);
  const bitmapBytes = Math.ceil(Math.ceil(maxMapnr / 8) / bs) * bs;
  const bitmapBlocks = (2 * bitmapBytes) / bs;
  const bitmapOffset = (1 + subHeaderBlocks) * bs;
  const descOffset = bitmapOffset + 2 * bitmapBytes;

  const dumped = pfns.filter((p) => !options.excluded?.has(p));
  const held = options.split ? dumped.filter((p) => p >= options.split!.start && p < options.split!.end) : dumped;
  const head = new Uint8Array(descOffset);
  const h = new DataView(head.buffer);
  head.set(Buffer.from('KDUMP   ', 'latin1'));
  h.setUint32(8, version, true);
  head.set(Buffer.from('Linux', 'latin1'), 12);
  head.set(Buffer.from(options.machineName ?? 'x86_64', 'latin1'), 12 + 4 * 65);
  h.setUint32(424, FLAG[options.compression], true);
  h.setUint32(428, bs, true);
  h.setUint32(432, subHeaderBlocks, true);
  h.setUint32(436, bitmapBlocks, true);
  h.setUint32(440, maxMapnr, true);
  h.setUint32(460, 1, true);
  const sub = bs;
  const notesAt = sub + 104;
  const infoAt = notesAt + notes.length;
  h.setUint32(sub + 8, 0, true);
  if (info.length) {
    h.setBigUint64(sub + 32, BigInt(infoAt), true);
    h.setBigUint64(sub + 40, BigInt(info.length), true);
  }
  h.setBigUint64(sub + 48, BigInt(notesAt), true);
  h.setBigUint64(sub + 56, BigInt(notes.length), true);
  if (version >= 6) h.setBigUint64(sub + 96, BigInt(maxMapnr), true);
  if (options.split) {
    h.setUint32(sub + 12, 1, true);
    const { start, end } = options.split;
    [16, 80].forEach((at) => h.setBigUint64(sub + at, BigInt(start), true));
    [24, 88].forEach((at) => h.setBigUint64(sub + at, BigInt(end), true));
  }
  head.set(notes, notesAt);
  head.set(info, infoAt);
  for (const p of pfns) head[bitmapOffset + (p >> 3)]! |= 1 << (p & 7);
  for (const p of dumped) head[bitmapOffset + bitmapBytes + (p >> 3)]! |= 1 << (p & 7);

  // Every zero page shares one stored page, uncompressed, as qemu writes them.
  const descs = new DataView(new ArrayBuffer(held.length * 24));
  const data: Uint8Array[] = [];
  let dataOffset = descOffset + descs.byteLength;
  let zeroAt: number | undefined;
  const store = (bytes: Uint8Array): number => {
    data.push(bytes);
    dataOffset += bytes.length;
    return dataOffset - bytes.length;
  };
  held.forEach((pfn, i) => {
    const page = image.pages.get(pfn)!;
    let stored = page;
    let flags = 0;
    let at: number;
    if (page.every((b) => b === 0)) {
      at = zeroAt ??= store(page);
    } else {
      const packed = compress(options.compression, page);
      if (packed.length < bs) [stored, flags] = [packed, FLAG[options.compression]];
      at = store(stored);
    }
    descs.setBigUint64(i * 24, BigInt(at), true);
    descs.setUint32(i * 24 + 8, stored.length, true);
    descs.setUint32(i * 24 + 12, flags, true);
  });
  return concat([head, new Uint8Array(descs.buffer), ...data]);
}

export interface FlattenOptions {
  /** Bytes per record (the last one of the dump shorter). */
  recordSize?: number;
  /** Write the records back to front, as a writer seeking back would. */
  reverse?: boolean;
  /** First write garbage over the dump's first bytes, then the real ones in a last record. */
  rewriteStart?: boolean;
}

export function flatten(dump: Uint8Array, options: FlattenOptions = {}): Uint8Array {
  const size = options.recordSize ?? 4096;
  const records: [number, Uint8Array][] = [];
  for (let at = 0; at < dump.length; at += size) records.push([at, dump.subarray(at, Math.min(dump.length, at + size))]);
  if (options.reverse) records.reverse();
  if (options.rewriteStart) {
    records.unshift([0, new Uint8Array(64).fill(0xee)]);
    records.push([0, dump.subarray(0, 64)]);
  }
  const header = new Uint8Array(4096);
  header.set(Buffer.from('makedumpfile', 'latin1'));
  const hv = new DataView(header.buffer);
  hv.setBigInt64(16, 1n, false);
  hv.setBigInt64(24, 1n, false);
  const parts: Uint8Array[] = [header];
  for (const [at, bytes] of [...records, [-1, undefined] as const]) {
    const rh = new DataView(new ArrayBuffer(16));
    rh.setBigInt64(0, BigInt(at), false);
    rh.setBigInt64(8, bytes === undefined ? -1n : BigInt(bytes.length), false);
    parts.push(new Uint8Array(rh.buffer));
    if (bytes !== undefined) parts.push(bytes);
  }
  return concat(parts);
}

function compress(kind: Compression, page: Uint8Array): Uint8Array {
  switch (kind) {
    case 'none':
      return page;
    case 'zlib':
      return deflateSync(page);
    case 'snappy':
      return (createRequire(import.meta.url)('snappyjs') as { compress(b: Uint8Array): Uint8Array }).compress(page);
    case 'zstd':
      return run('zstd', ['-q', '-c', '--no-check'], page);
    case 'lzo':
      return lzoCompress(page);
  }
}

/** LZO1X-1 bytes of `data` made by the lzop program (the data itself when lzop could not shrink it). */
export function lzoCompress(data: Uint8Array): Uint8Array {
  return lzopBlock(run('lzop', ['-c'], data));
}

function run(program: string, args: string[], input: Uint8Array): Uint8Array {
  const r = spawnSync(program, args, { input, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${program} failed: ${r.stderr}`);
  return new Uint8Array(r.stdout);
}

/** The raw LZO1X stream of the one block of an lzop file (its format: lzop's own header, then blocks). */
function lzopBlock(file: Uint8Array): Uint8Array {
  const v = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const version = v.getUint16(9);
  const newer = version >= 0x940;
  // version, lib_version, [version_needed], method, [level]
  let p = 9 + 2 + 2 + (newer ? 2 : 0) + 1 + (newer ? 1 : 0);
  const flags = v.getUint32(p);
  p += 4;
  if (flags & 0x800) p += 4;
  // mode, mtime_low, [mtime_high], name, header checksum
  p += 4 + 4 + (newer ? 4 : 0);
  p += 1 + file[p]! + 4;
  const dstLen = v.getUint32(p);
  const srcLen = v.getUint32(p + 4);
  p += 8;
  if (flags & 0x1) p += 4;
  if (flags & 0x100) p += 4;
  if (srcLen < dstLen) {
    if (flags & 0x2) p += 4;
    if (flags & 0x200) p += 4;
  }
  // A block lzop could not shrink is stored as is: hand back the page, which the writer stores raw.
  return file.subarray(p, p + srcLen);
}

function pad4(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(b.length / 4) * 4);
  out.set(b);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
