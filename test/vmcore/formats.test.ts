// The dump formats, data-driven: one memory image written by test/vmcore/dump-writer.ts in every format
// and compression, each read back through openCoreDump page by page, with its notes and VMCOREINFO; then
// the page-coverage rules of ELF cores and the bad inputs (truncated files, headers that lie, pages that
// do not decompress), each a VmcoreError with its code.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../bench/debuginfo/agreement-lib.js';
import { openCoreDump, VmcoreError, type CoreDump, type VmcoreErrorCode } from '../../vmcore/index.js';
import { flatten, hasProgram, segmentsOf, writeElfCore, writeKdump, type MemoryImage } from './dump-writer.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vmcore-formats-'));
const haveZstd = hasProgram('zstd');
const haveLzop = hasProgram('lzop');
const PAGE = 4096;
const VMCOREINFO = 'OSRELEASE=6.1.0-test-amd64\nPAGESIZE=4096\nSYMBOL(init_uts_ns)=ffffffff82a13f60\n';

/** RAM in three ranges, one far enough up that the 2nd bitmap spans two blocks and many rank strides. */
const ramPfns = [...range(0, 24), ...range(32, 40), 64, 65, 40000, 40001];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** Pages of every kind a compressor meets: zeros, text, repeats, noise it cannot shrink, a mix. */
function makeImage(): MemoryImage {
  const rnd = seededRandom(17);
  const pages = new Map<number, Uint8Array>();
  ramPfns.forEach((pfn, i) => {
    const page = new Uint8Array(PAGE);
    const kind = i % 5;
    if (kind === 1) page.set(Buffer.from(`pfn ${pfn}: the quick brown fox jumps over the lazy dog\n`.repeat(80).slice(0, PAGE)));
    else if (kind === 2) for (let j = 0; j < PAGE; j++) page[j] = Math.floor(rnd() * 256);
    else if (kind === 3) for (let j = 0; j < PAGE; j += 1 + Math.floor(rnd() * 40)) page[j] = Math.floor(rnd() * 256);
    else if (kind === 4) for (let j = 0; j < PAGE; j++) page[j] = (j * 7 + pfn) & 0xff;
    pages.set(pfn, page);
  });
  const prstatus = (cpu: number) => Uint8Array.from({ length: 336 }, (_, j) => (j + cpu * 31) & 0xff);
  return {
    pageSize: PAGE,
    pages,
    vmcoreinfo: VMCOREINFO,
    notes: [
      { name: 'CORE', type: 1, desc: prstatus(0) },
      { name: 'CORE', type: 1, desc: prstatus(1) },
      { name: 'VMCOREINFO', type: 0, desc: Buffer.from(VMCOREINFO, 'latin1') },
      { name: 'QEMU', type: 0, desc: new Uint8Array(0x1b8).fill(3) },
    ],
  };
}

const image = makeImage();

function write(name: string, bytes: Uint8Array): string {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  return file;
}

/** Every pfn around the image's reads as the image holds it, or undefined outside RAM or when excluded. */
function expectPages(dump: CoreDump, excluded: Set<number> = new Set()): void {
  const probes = [...range(0, 70), ...range(39990, 40010), 1 << 20, 2 ** 40];
  const wrong: string[] = [];
  for (const pfn of probes) {
    const want = excluded.has(pfn) ? undefined : image.pages.get(pfn);
    const got = dump.readPage(pfn);
    if (want === undefined ? got !== undefined : got === undefined || !Buffer.from(got).equals(want)) {
      wrong.push(`pfn ${pfn}: ${got === undefined ? 'absent' : 'present'}${want === undefined ? ', expected absent' : ''}`);
    }
  }
  expect(wrong).toEqual([]);
}

function expectNotes(dump: CoreDump): void {
  expect(dump.notes.map((n) => [n.name, n.type, Buffer.from(n.desc).toString('hex')])).toEqual(
    image.notes.map((n) => [n.name, n.type, Buffer.from(n.desc).toString('hex')]),
  );
  expect(dump.vmcoreinfo).toBe(VMCOREINFO);
}

function expectError(fn: () => unknown, code: VmcoreErrorCode, file?: string): VmcoreError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(VmcoreError);
    const err = e as VmcoreError;
    expect(err.code, err.message).toBe(code);
    if (file) expect(err.message.startsWith(file + ':')).toBe(true);
    return err;
  }
  throw new Error(`expected a VmcoreError ${code}`);
}

interface FormatCase {
  name: string;
  format: CoreDump['format'];
  skip?: string;
  bytes: () => Uint8Array;
  excluded?: Set<number>;
}

const excluded = new Set([1, 2, 3, 33, 65, 40001]);
const cases: FormatCase[] = [
  { name: 'elf', format: 'elf', bytes: () => writeElfCore(image) },
  { name: 'elf with e_phnum escaped (PN_XNUM)', format: 'elf', bytes: () => writeElfCore(image, { phnumEscape: true }) },
  { name: 'kdump uncompressed', format: 'kdump', bytes: () => writeKdump(image, { compression: 'none' }) },
  { name: 'kdump zlib', format: 'kdump', bytes: () => writeKdump(image, { compression: 'zlib' }) },
  { name: 'kdump zlib, VMCOREINFO in the sub-header', format: 'kdump', bytes: () => writeKdump(image, { compression: 'zlib', vmcoreinfoInSubHeader: true }) },
  { name: 'kdump zlib, header_version 5 (no max_mapnr_64)', format: 'kdump', bytes: () => writeKdump(image, { compression: 'zlib', headerVersion: 5 }) },
  { name: 'kdump snappy (snappyjs compress)', format: 'kdump', bytes: () => writeKdump(image, { compression: 'snappy' }) },
  { name: 'kdump zstd (zstd program)', format: 'kdump', skip: haveZstd ? undefined : 'no zstd program (apt: zstd)', bytes: () => writeKdump(image, { compression: 'zstd' }) },
  { name: 'kdump lzo (lzop program)', format: 'kdump', skip: haveLzop ? undefined : 'no lzop program (apt: lzop)', bytes: () => writeKdump(image, { compression: 'lzo' }) },
  { name: 'kdump zlib with excluded pages (-d)', format: 'kdump', excluded, bytes: () => writeKdump(image, { compression: 'zlib', excluded }) },
  { name: 'flattened kdump, records in order', format: 'flattened', bytes: () => flatten(writeKdump(image, { compression: 'zlib' }), { recordSize: 1000 }) },
  {
    name: 'flattened kdump, records back to front, the header rewritten last',
    format: 'flattened',
    excluded,
    bytes: () => flatten(writeKdump(image, { compression: 'zlib', excluded }), { recordSize: 4096 * 3 + 5, reverse: true, rewriteStart: true }),
  },
  { name: 'flattened elf', format: 'flattened', bytes: () => flatten(writeElfCore(image), { recordSize: 8192 }) },
];

describe('every format reads the same memory image', () => {
  for (const c of cases) {
    it.skipIf(c.skip !== undefined)(`${c.name}${c.skip ? ` (skipped: ${c.skip})` : ''}`, () => {
      const dump = openCoreDump(write(c.name.replace(/\W+/g, '-'), c.bytes()));
      try {
        expect(dump.format).toBe(c.format);
        expect(dump.machine).toBe(62);
        expect(dump.pageSize).toBe(PAGE);
        expectNotes(dump);
        expectPages(dump, c.excluded);
      } finally {
        dump.close();
      }
    });
  }
});

describe('split kdump files (makedumpfile --split)', () => {
  it('each file holds the pages of its pfn range, together the whole image', () => {
    const ranges = [
      { start: 0, end: 34 },
      { start: 34, end: 40000 },
      { start: 40000, end: 40002 },
    ];
    const dumps = ranges.map((split, i) => openCoreDump(write(`split-${i}.vmcore`, writeKdump(image, { compression: 'zlib', split }))));
    for (const [i, dump] of dumps.entries()) {
      const { start, end } = ranges[i]!;
      expectPages(dump, new Set([...image.pages.keys()].filter((pfn) => pfn < start || pfn >= end)));
      expectNotes(dump);
    }
  });
});

describe('ELF page coverage', () => {
  const page = (pfn: number) => image.pages.get(pfn)!;

  it('reads pages past p_filesz within p_memsz (makedumpfile -E -d: excluded) as absent; a page half in the file is held', () => {
    const segments = [{ paddr: 0, data: Buffer.concat([page(0), page(1), page(2).subarray(0, 100)]), memSize: 5 * PAGE }];
    const dump = openCoreDump(write('memsz.vmcore', writeElfCore(image, { segments })));
    expect(Buffer.from(dump.readPage(1)!).equals(page(1))).toBe(true);
    const two = dump.readPage(2)!;
    expect(Buffer.from(two.subarray(0, 100)).equals(page(2).subarray(0, 100))).toBe(true);
    expect(two.subarray(100).every((b) => b === 0)).toBe(true);
    expect(dump.readPage(3)).toBeUndefined();
    expect(dump.readPage(4)).toBeUndefined();
    expect(dump.readPage(5)).toBeUndefined();
  });

  it('returns a page a segment covers only in part, the bytes outside every segment zero', () => {
    // A RAM range ending mid-page (as an e820 range in /proc/vmcore can), another starting mid-page.
    const segments = [
      { paddr: 0, data: Buffer.concat([page(0), page(1).subarray(0, 0xc00)]) },
      { paddr: 5 * PAGE + 0x400, data: page(5).subarray(0x400) },
    ];
    const dump = openCoreDump(write('partial.vmcore', writeElfCore(image, { segments })));
    const one = dump.readPage(1)!;
    expect(Buffer.from(one.subarray(0, 0xc00)).equals(page(1).subarray(0, 0xc00))).toBe(true);
    expect(one.subarray(0xc00).every((b) => b === 0)).toBe(true);
    const five = dump.readPage(5)!;
    expect(five.subarray(0, 0x400).every((b) => b === 0)).toBe(true);
    expect(Buffer.from(five.subarray(0x400)).equals(page(5).subarray(0x400))).toBe(true);
    expect(dump.readPage(2)).toBeUndefined();
    expect(dump.readPage(4)).toBeUndefined();
  });

  it('reads overlapping segments (/proc/vmcore maps the kernel image twice)', () => {
    const all = segmentsOf(image);
    const segments = [{ paddr: 2 * PAGE, data: Buffer.concat([page(2), page(3)]) }, ...all];
    const dump = openCoreDump(write('overlap.vmcore', writeElfCore(image, { segments })));
    expectPages(dump);
  });

  it('reads a truncated copy up to its last whole page, the rest absent', () => {
    const bytes = writeElfCore(image);
    const full = openCoreDump(write('whole.vmcore', bytes));
    // Cut in the middle of pfn 12's bytes (noise: found once in the file).
    const at = Buffer.from(bytes).indexOf(Buffer.from(page(12)));
    const dump = openCoreDump(write('cut.vmcore', bytes.subarray(0, at + 100)));
    expect(Buffer.from(dump.readPage(11)!).equals(page(11))).toBe(true);
    expect(dump.readPage(12)).toBeUndefined();
    expect(dump.readPage(40000)).toBeUndefined();
    expect(full.readPage(12)).toBeDefined();
  });
});

describe('bad input: a VmcoreError with a code, naming the file', () => {
  const kdump = () => writeKdump(image, { compression: 'zlib' });
  const patch = (bytes: Uint8Array, fn: (v: DataView) => void) => {
    const out = bytes.slice();
    fn(new DataView(out.buffer));
    return out;
  };

  it('not a vmcore: text, an empty file, a directory, an ELF executable', () => {
    const text = write('notes.txt', Buffer.from('hello\n'));
    expectError(() => openCoreDump(text), 'not-a-vmcore', text);
    expectError(() => openCoreDump(write('empty', new Uint8Array(0))), 'not-a-vmcore');
    const sub = path.join(dir, 'a-directory');
    mkdirSync(sub, { recursive: true });
    expectError(() => openCoreDump(sub), 'not-a-vmcore', sub);
    const exe = patch(writeElfCore(image), (v) => v.setUint16(16, 2, true));
    expectError(() => openCoreDump(write('exe', exe)), 'not-a-vmcore');
  });

  it('unsupported: 32-bit and big-endian ELF, a 32-bit kdump, the old diskdump', () => {
    expectError(() => openCoreDump(write('elf32', patch(writeElfCore(image), (v) => v.setUint8(4, 1)))), 'unsupported');
    expectError(() => openCoreDump(write('elfbe', patch(writeElfCore(image), (v) => v.setUint8(5, 2)))), 'unsupported');
    expectError(() => openCoreDump(write('i686', writeKdump(image, { compression: 'zlib', machineName: 'i686' }))), 'unsupported');
    expectError(() => openCoreDump(write('diskdump', Buffer.from('DISKDUMP' + '\0'.repeat(600)))), 'unsupported');
  });

  it('ELF: program headers or notes past the end', () => {
    const bytes = writeElfCore(image);
    expectError(() => openCoreDump(write('phnum-lie', patch(bytes, (v) => v.setUint16(56, 60000, true)))), 'truncated');
    // The note segment is the first program header; its p_filesz at 64 + 32.
    expectError(() => openCoreDump(write('note-lie', patch(bytes, (v) => v.setBigUint64(64 + 32, 1n << 40n, true)))), 'truncated');
    expectError(() => openCoreDump(write('elf-cut', bytes.subarray(0, 40))), 'truncated');
  });

  it('kdump: a header that lies about the bitmaps, the block size, the notes', () => {
    const bytes = kdump();
    expectError(() => openCoreDump(write('bitmap-lie', patch(bytes, (v) => v.setUint32(436, 1 << 20, true)))), 'truncated');
    expectError(() => openCoreDump(write('block-lie', patch(bytes, (v) => v.setUint32(428, 1000, true)))), 'bad-header');
    expectError(() => openCoreDump(write('mapnr-lie', patch(bytes, (v) => v.setBigUint64(PAGE + 96, 1n << 50n, true)))), 'bad-header');
    expectError(() => openCoreDump(write('notes-lie', patch(bytes, (v) => v.setBigUint64(PAGE + 56, 1n << 30n, true)))), 'bad-header');
    expectError(() => openCoreDump(write('notes-past', patch(bytes, (v) => v.setBigUint64(PAGE + 48, 1n << 40n, true)))), 'truncated');
    expectError(() => openCoreDump(write('kdump-cut', bytes.subarray(0, 300))), 'truncated');
  });

  it('kdump: a page that does not decompress fails alone, naming its physical address', () => {
    const bytes = kdump();
    const v = new DataView(bytes.buffer, bytes.byteOffset);
    // The descriptors follow the header block, the sub-header block(s) and the two bitmap halves.
    const descOffset = (1 + v.getUint32(432, true) + v.getUint32(436, true)) * PAGE;
    const index = ramPfns.indexOf(6);
    const dataAt = Number(v.getBigUint64(descOffset + index * 24, true));
    expect(v.getUint32(descOffset + index * 24 + 12, true)).toBe(1);
    const broken = bytes.slice();
    broken.fill(0x55, dataAt + 2, dataAt + 40);
    const file = write('bad-page', broken);
    const dump = openCoreDump(file);
    const err = expectError(() => dump.readPage(6), 'decompress-failed', file);
    expect(err.address).toBe(6n * BigInt(PAGE));
    expect(err.message).toContain('0x6000');
    expect(Buffer.from(dump.readPage(7)!).equals(image.pages.get(7)!)).toBe(true);

    // Decompressing to a wrong length is the same failure; so is a size no page can have.
    const short = patch(bytes, (dv) => dv.setUint32(descOffset + index * 24 + 8, 1 << 20, true));
    expectError(() => openCoreDump(write('huge-desc', short)).readPage(6), 'decompress-failed');
    const half = deflateSync(new Uint8Array(PAGE / 2));
    const wrongLength = bytes.slice();
    wrongLength.set(half, dataAt);
    new DataView(wrongLength.buffer).setUint32(descOffset + index * 24 + 8, half.length, true);
    expect(expectError(() => openCoreDump(write('wrong-length', wrongLength)).readPage(6), 'decompress-failed').message).toContain('2048 bytes');
  });

  it('kdump: a truncated dump reads the pages it still holds; a descriptor pointing past the end is absent', () => {
    const bytes = kdump();
    const at = Buffer.from(bytes).indexOf(Buffer.from(deflateSync(image.pages.get(40000)!)));
    expect(at).toBeGreaterThan(0);
    const dump = openCoreDump(write('kdump-truncated', bytes.subarray(0, at + 10)));
    expect(Buffer.from(dump.readPage(39)!).equals(image.pages.get(39)!)).toBe(true);
    expect(dump.readPage(40000)).toBeUndefined();
  });

  it('flattened: a record with a negative offset; a stream cut short keeps its records', () => {
    const flat = flatten(kdump(), { recordSize: 4096 });
    expectError(() => openCoreDump(write('flat-lie', patch(flat, (v) => v.setBigInt64(4096, -5n, false)))), 'bad-header');
    const dump = openCoreDump(write('flat-cut', flat.subarray(0, flat.length - 20000)));
    expect(Buffer.from(dump.readPage(0)!).equals(image.pages.get(0)!)).toBe(true);
    expect(dump.readPage(40000)).toBeUndefined();
    expectError(() => openCoreDump(write('flat-short', flat.subarray(0, 100))), 'truncated');
  });
});
