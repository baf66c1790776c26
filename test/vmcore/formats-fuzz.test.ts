// Mutation fuzzing of the dump readers and the LZO1X decoder. Small dumps written by dump-writer.ts in
// each format get flipped bytes, extreme header values and truncations; each must open and read every
// page to an answer or a VmcoreError naming the dump, in bounded time and memory. The LZO1X decoder gets
// random bytes and mutated real streams (lzop's): a page or an LzoError, never a hang or another error.
// Quick mode in `npm test`; CRASHNAV_FUZZ_CASES=10000 for the long mode.
import { memoryByteSource } from '../../debuginfo/index.js';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../bench/debuginfo/agreement-lib.js';
import { lzo1xDecompress, LzoError } from '../../vmcore/lzo1x.js';
import { openCoreDumpSource, VmcoreError } from '../../vmcore/index.js';
import { flatten, hasProgram, lzoCompress, writeElfCore, writeKdump, type MemoryImage } from './dump-writer.js';
import { runFuzzCases } from '../support/fuzz-cases.js';

const cases = Number(process.env.CRASHNAV_FUZZ_CASES ?? 600);
const seed = Number(process.env.CRASHNAV_FUZZ_SEED ?? 20261204);
const haveLzop = hasProgram('lzop');
const haveZstd = hasProgram('zstd');
const PAGE = 4096;
const perCaseMs = 2000;
const perCaseBytes = 64 * 1024 * 1024;
const extremes = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff0];

function smallImage(): MemoryImage {
  const rnd = seededRandom(5);
  const pages = new Map<number, Uint8Array>();
  for (const pfn of [0, 1, 2, 3, 4, 5, 6, 7, 9, 700]) {
    const page = new Uint8Array(PAGE);
    if (pfn % 3 === 1) page.set(Buffer.from(`page ${pfn} `.repeat(500).slice(0, PAGE)));
    else if (pfn % 3 === 2) for (let j = 0; j < PAGE; j += 1 + Math.floor(rnd() * 30)) page[j] = Math.floor(rnd() * 256);
    pages.set(pfn, page);
  }
  const info = 'OSRELEASE=6.1.0-fuzz\nPAGESIZE=4096\n';
  return {
    pageSize: PAGE,
    pages,
    vmcoreinfo: info,
    notes: [
      { name: 'CORE', type: 1, desc: new Uint8Array(336).fill(7) },
      { name: 'VMCOREINFO', type: 0, desc: Buffer.from(info) },
    ],
  };
}

/** A mutated copy: mostly in the first `hot` bytes (headers, bitmaps, descriptors), sometimes anywhere. */
function mutate(original: Uint8Array, hot: number, rnd: () => number): Uint8Array {
  const pick = (n: number) => Math.floor(rnd() * n);
  const kind = pick(6);
  if (kind === 0) return original.slice(0, pick(original.length));
  const out = original.slice();
  const view = new DataView(out.buffer);
  const span = rnd() < 0.8 ? Math.min(hot, out.length) : out.length;
  for (let i = 0, n = 1 + pick(6); i < n; i++) {
    const p = pick(Math.max(1, span - 8));
    if (kind === 1) out[p] = pick(256);
    else if (kind === 2) out[p] ^= 1 << pick(8);
    else if (kind === 3) view.setUint32(p, extremes[pick(extremes.length)]!, rnd() < 0.5);
    else if (kind === 4) view.setBigUint64(p, BigInt(extremes[pick(extremes.length)]!) << BigInt(pick(2) * 32), rnd() < 0.5);
    else out[p] = [0, 0x80, 0xff, 0x7f][pick(4)]!;
  }
  return out;
}

describe('fuzzing the dump readers', () => {
  it(`every mutated dump gives pages or a VmcoreError naming it (${cases} cases)`, () => {
    const image = smallImage();
    const kdump = (compression: 'none' | 'zlib' | 'lzo' | 'snappy' | 'zstd') => writeKdump(image, { compression, vmcoreinfoInSubHeader: true });
    const seeds = [
      { name: 'elf', bytes: writeElfCore(image), hot: 1024 },
      { name: 'elf-xnum', bytes: writeElfCore(image, { phnumEscape: true }), hot: 1024 },
      { name: 'kdump-none', bytes: kdump('none'), hot: 5 * PAGE },
      { name: 'kdump-zlib', bytes: kdump('zlib'), hot: 5 * PAGE },
      { name: 'kdump-snappy', bytes: kdump('snappy'), hot: 5 * PAGE },
      { name: 'flat-kdump', bytes: flatten(kdump('zlib'), { recordSize: 3000, reverse: true }), hot: 1 << 20 },
      { name: 'flat-elf', bytes: flatten(writeElfCore(image), { recordSize: 5000 }), hot: 1 << 20 },
    ];
    if (haveLzop) seeds.push({ name: 'kdump-lzo', bytes: kdump('lzo'), hot: 5 * PAGE });
    if (haveZstd) seeds.push({ name: 'kdump-zstd', bytes: kdump('zstd'), hot: 5 * PAGE });
    const rnd = seededRandom(seed);
    runFuzzCases('vmcore fuzz', cases, { ms: perCaseMs, bytes: perCaseBytes }, (i) => {
      const s = seeds[i % seeds.length]!;
      const name = `fuzz-${s.name}-${i}.vmcore`;
      const bytes = mutate(s.bytes, s.hot, rnd);
      let outcome = 'ok';
      const record = (err: unknown) => {
        if (!(err instanceof VmcoreError)) throw new Error(`case ${i} (${name}): untyped ${(err as Error)?.name}: ${(err as Error)?.message}\n${(err as Error)?.stack}`);
        expect(err.message.startsWith(`${name}: `), err.message).toBe(true);
        return `${err.code}`;
      };
      try {
        const dump = openCoreDumpSource(name, memoryByteSource(bytes));
        void dump.notes.length;
        void dump.vmcoreinfo;
        let failed = 0;
        for (let pfn = 0; pfn < 720; pfn++) {
          try {
            dump.readPage(pfn);
          } catch (err) {
            outcome = `page:${record(err)}`;
            failed++;
          }
        }
        // A bad page fails alone: the others of the dump keep reading.
        expect(failed).toBeLessThan(720);
        dump.close();
      } catch (err) {
        outcome = record(err);
      }
      return outcome;
    });
  });
});

describe('fuzzing the LZO1X decoder', () => {
  const tryDecode = (bytes: Uint8Array, outLength: number): string => {
    try {
      const out = lzo1xDecompress(bytes, outLength);
      expect(out.length).toBe(outLength);
      return 'ok';
    } catch (err) {
      if (!(err instanceof LzoError)) throw new Error(`untyped ${(err as Error)?.name}: ${(err as Error)?.message}`);
      return err.message.replace(/^LZO1X: /, '').replace(/ at input byte.*$/, '').replace(/\d+/g, 'N');
    }
  };

  it('random bytes: a page or an LzoError', () => {
    const rnd = seededRandom(seed + 1);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < cases * 5; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256));
      const o = tryDecode(bytes, [PAGE, 16, 0][i % 3]!);
      outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
    }
    expect(outcomes.size).toBeGreaterThan(2);
  });

  it.skipIf(!haveLzop)('mutated lzop streams: a page or an LzoError; unmutated ones decode exactly', () => {
    const image = smallImage();
    const rnd = seededRandom(seed + 2);
    const streams = [...image.pages.values()].map((page) => ({ page, packed: lzoCompress(page) })).filter((s) => s.packed.length < PAGE);
    expect(streams.length).toBeGreaterThan(3);
    for (const s of streams) expect(Buffer.from(lzo1xDecompress(s.packed, PAGE)).equals(s.page)).toBe(true);
    const outcomes = new Map<string, number>();
    for (let i = 0; i < cases * 5; i++) {
      const s = streams[i % streams.length]!;
      const o = tryDecode(mutate(s.packed, s.packed.length, rnd), PAGE);
      outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
    }
    console.log(`lzo fuzz: ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    expect(outcomes.get('ok') ?? 0).toBeGreaterThan(0);
    expect(outcomes.size).toBeGreaterThan(2);
  });
});
