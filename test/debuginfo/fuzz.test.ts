// Mutation fuzzing of real ELF files built by the tests (gcc): flipped bytes, extreme header and
// DWARF field values, truncations. Every case must end in a result or an ElfFormatError /
// DwarfFormatError naming the file, within a time and memory bound. Quick mode in `npm test`;
// CRASHNAV_FUZZ_CASES=10000 (or more) for the long mode.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../bench/debuginfo/agreement-lib.js';
import { DebugFile, DwarfFormatError, ElfFormatError, Symbolizer, readBuildId, readDebuglink, readModinfo } from '../../debuginfo/index.js';
import { buildFixture, canBuild, hasTool, run } from './support/fixtures.js';
import { runFuzzCases } from '../support/fuzz-cases.js';

const cases = Number(process.env.CRASHNAV_FUZZ_CASES ?? 400);
const haveGcc = hasTool('gcc') && hasTool('objcopy');
if (!haveGcc) console.log('debuginfo fuzz: skipped, needs gcc and binutils (apt: gcc binutils)');
const perCaseMs = 2000;
const perCaseBytes = 256 * 1024 * 1024;

function seeds(): { name: string; bytes: Uint8Array }[] {
  const exe = buildFixture('d5', ['-g', '-O2']);
  const zlib = `${exe}.fuzz-zlib`;
  run('objcopy', ['--compress-debug-sections=zlib', exe, zlib]);
  const list = [
    { name: 'dwarf5-exe', path: exe },
    { name: 'dwarf4-exe', path: buildFixture('d4', ['-gdwarf-4', '-O2']) },
    { name: 'dwarf2-exe', path: buildFixture('d2', ['-gdwarf-2', '-gstrict-dwarf', '-O1']) },
    { name: 'relocatable', path: buildFixture('obj-gcc--g-O2-c.o', ['-g', '-O2', '-c']) },
    { name: 'zlib', path: zlib },
  ];
  if (canBuild(['-m32', '-g', '-O2', '-c'])) list.push({ name: 'i386-rel', path: buildFixture('obj-gcc--m32-g-O2-c.o', ['-m32', '-g', '-O2', '-c']) });
  return list.map((s) => ({ name: s.name, bytes: new Uint8Array(readFileSync(s.path)) }));
}

const extremes = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff0];

/** One mutation of `original`, chosen by `rnd`: mostly inside sections (where parsers look). */
function mutate(original: Uint8Array, rnd: () => number, sections: { offset: number; size: number }[]): Uint8Array {
  const pick = (n: number) => Math.floor(rnd() * n);
  const kind = pick(6);
  if (kind === 0) return original.slice(0, pick(original.length));
  const out = original.slice();
  const view = new DataView(out.buffer);
  const region = sections.length && rnd() < 0.8 ? sections[pick(sections.length)]! : { offset: 0, size: out.length };
  const at = () => region.offset + pick(Math.max(1, Math.min(region.size, out.length - region.offset - 8)));
  const count = 1 + pick(8);
  for (let i = 0; i < count; i++) {
    const p = at();
    if (p + 8 > out.length) continue;
    if (kind === 1) out[p] = pick(256);
    else if (kind === 2) out[p] ^= 1 << pick(8);
    else if (kind === 3) view.setUint32(p, extremes[pick(extremes.length)]!, true);
    else if (kind === 4) view.setBigUint64(p, BigInt(extremes[pick(extremes.length)]!) << BigInt(pick(2) * 32), true);
    else out[p] = [0, 0x80, 0xff, 0x7f][pick(4)]!;
  }
  // Section headers and the ELF header are the other half of the attack surface.
  if (rnd() < 0.15) view.setUint32(0x20 + pick(0x18), extremes[pick(extremes.length)]!, true);
  return out;
}

/** Everything a user of the library can ask of a file. */
function exercise(file: DebugFile, addresses: bigint[]): void {
  for (const s of file.elf.sections) {
    if (s.size < 1 << 22) file.elf.sectionData(s);
  }
  readBuildId(file.elf);
  readDebuglink(file.elf);
  readModinfo(file.elf);
  const symbolizer = new Symbolizer(file);
  for (const a of addresses) symbolizer.symbolize(a, { linkTime: true });
  for (const name of ['leaf', 'setup', 'run', 'main']) symbolizer.resolve(`${name}+0x4/0x10`);
  // The Symbolizer turns DWARF errors into warnings; ask the reader directly so they surface here.
  const dwarf = file.dwarf;
  if (dwarf) for (const a of addresses) dwarf.findFrames(a);
  if (dwarf && addresses[0] !== undefined) dwarf.lineRowsInRange(addresses[0], addresses[0] + 64n);
}

describe.skipIf(!haveGcc)(`fuzzing the ELF/DWARF readers (${cases} cases)`, () => {
  it('every mutated file gives answers or a typed error naming it, in bounded time and memory', () => {
    const rnd = seededRandom(Number(process.env.CRASHNAV_FUZZ_SEED ?? 20261127));
    const inputs = seeds().map((s) => {
      const file = DebugFile.fromBytes(s.bytes, { name: s.name });
      const addresses = file.symbols.codeSymbols().filter((c) => c.size > 0).flatMap((c) => [c.address, c.address + BigInt(c.size >> 1)]);
      const sections = file.elf.sections.filter((x) => x.type !== 8 && x.size > 0).map((x) => ({ offset: x.offset, size: x.size }));
      return { ...s, addresses, sections };
    });
    runFuzzCases('fuzz', cases, { ms: perCaseMs, bytes: perCaseBytes }, (i) => {
      const input = inputs[i % inputs.length]!;
      const name = `fuzz-${input.name}-${i}.elf`;
      const bytes = mutate(input.bytes, rnd, input.sections);
      try {
        exercise(DebugFile.fromBytes(bytes, { name }), input.addresses);
        return 'ok';
      } catch (err) {
        if (!(err instanceof ElfFormatError || err instanceof DwarfFormatError)) {
          throw new Error(`case ${i} (${name}): untyped ${(err as Error)?.name}: ${(err as Error)?.message}\n${(err as Error)?.stack}`);
        }
        expect(err.message.startsWith(`${name}: `), err.message).toBe(true);
        expect(err.file).toBe(name);
        return `${err.name}:${err.code}`;
      }
    });
  });

  it('big-endian, bad magic, truncated headers and sections past the end are named errors', () => {
    const original = seeds()[0]!.bytes;
    const bigEndian = original.slice();
    bigEndian[5] = 2;
    const badMagic = original.slice();
    badMagic[1] = 0x45 ^ 0xff;
    const expectError = (bytes: Uint8Array, code: string) => {
      let error: unknown;
      try {
        exercise(DebugFile.fromBytes(bytes, { name: 'case.elf' }), []);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ElfFormatError);
      expect((error as ElfFormatError).code).toBe(code);
      expect((error as Error).message).toMatch(/^case\.elf: /);
    };
    expectError(bigEndian, 'big-endian');
    expectError(badMagic, 'bad-magic');
    expectError(original.slice(0, 10), 'bad-magic');
    expectError(original.slice(0, original.length - 100), 'section-table-past-end');
  });
});
