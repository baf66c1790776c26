// Symbolization of gcc-built fixtures against elfutils and LLVM: every byte of every function, for
// DWARF 2/3/4/5 (and 64-bit DWARF 4/5), -O0/-O2, compressed debug sections (zlib, zstd, .zdebug), relocatable objects per
// section (as `.ko` addresses are given), i386 and aarch64 objects.
import { describe, expect, it } from 'vitest';
import { DebugFile, Symbolizer } from '../../debuginfo/index.js';
import { buildFixture, canBuild, hasTool, run } from './support/fixtures.js';
import { euAddr2line, llvmAddr2line, llvmFrames, normalizeChain } from './support/oracle.js';

const haveTools = hasTool('gcc') && hasTool('eu-addr2line') && hasTool('objcopy');
if (!haveTools) console.log('debuginfo fixtures: skipped, needs gcc, binutils and elfutils (apt: gcc binutils elfutils)');

interface Case {
  name: string;
  build: () => string;
  /** The binary the oracles read (compressed variants: the same program uncompressed, since elfutils may lack zstd). */
  oracleFile?: () => string;
  /** LLVM alone: elfutils 0.188 drops inline chains whose abstract origin is in another unit (LTO). */
  llvmOnly?: boolean;
}

const d5 = () => buildFixture('d5', ['-g', '-O2']);
const executables: Case[] = [
  { name: 'DWARF 5 -O2', build: d5 },
  { name: 'DWARF 4 -O2', build: () => buildFixture('d4', ['-gdwarf-4', '-O2']) },
  { name: 'DWARF 3 -O2', build: () => buildFixture('d3', ['-gdwarf-3', '-O2']) },
  { name: 'DWARF 2 strict -O1', build: () => buildFixture('d2', ['-gdwarf-2', '-gstrict-dwarf', '-O1']) },
  { name: 'DWARF 5 -O0', build: () => buildFixture('d5o0', ['-g', '-O0']) },
  // 64-bit DWARF: 12-byte initial lengths, 8-byte section offsets in every header and form.
  { name: 'DWARF64 5 -O2', build: () => buildFixture('d5x64', ['-g', '-gdwarf64', '-O2']) },
  { name: 'DWARF64 4 -O2', build: () => buildFixture('d4x64', ['-gdwarf-4', '-gdwarf64', '-O2']) },
  // LTO puts abstract origins in another unit: DW_FORM_ref_addr across units.
  { name: 'DWARF 5 -O2 -flto', build: () => buildFixture('d5lto', ['-g', '-O2', '-flto']), llvmOnly: true },
  { name: 'zlib SHF_COMPRESSED', build: () => compressed('zlib'), oracleFile: d5 },
  { name: 'zstd SHF_COMPRESSED', build: () => compressed('zstd'), oracleFile: d5 },
  { name: 'legacy .zdebug', build: () => compressed('zlib-gnu'), oracleFile: d5 },
];

function compressed(kind: string): string {
  const src = d5();
  const out = `${src}.${kind}`;
  run('objcopy', [`--compress-debug-sections=${kind}`, src, out]);
  return out;
}

/**
 * The reference answer per address: eu-addr2line's, restricted (when LLVM is installed) to the
 * addresses where llvm-addr2line says the same — elfutils alone names a line for crt's `_start`
 * (no DWARF) from the neighbouring unit.
 */
function referenceChains(path: string, addresses: bigint[], llvmOnly = false): (string | undefined)[] {
  const llvm = llvmAddr2line();
  if (llvmOnly && llvm) return llvmFrames(llvm, path, addresses).map((f) => normalizeChain(f));
  const eu = euAddr2line(path, addresses).map((f) => normalizeChain(f));
  if (!llvm) return eu;
  const other = llvmFrames(llvm, path, addresses).map((f) => normalizeChain(f));
  return eu.map((e, i) => (e === other[i] ? e : undefined));
}

/** Every byte of every sized function, in the file's layout. */
function everyByte(file: DebugFile): bigint[] {
  const out: bigint[] = [];
  for (const s of file.symbols.codeSymbols()) for (let i = 0; i < s.size; i++) out.push(s.address + BigInt(i));
  return out;
}

function ourChains(symbolizer: Symbolizer, addresses: bigint[]): string[] {
  return addresses.map((a) => normalizeChain(symbolizer.symbolize(a, { linkTime: true }).frames));
}

function compare(ours: string[], theirs: (string | undefined)[], addresses: bigint[]): { agree: number; compared: number; diffs: string[] } {
  let agree = 0;
  let compared = 0;
  const diffs: string[] = [];
  ours.forEach((o, i) => {
    if (theirs[i] === undefined) return;
    compared++;
    if (o === theirs[i]) agree++;
    else diffs.push(`0x${addresses[i]!.toString(16)}\n  ours:   ${o}\n  oracle: ${theirs[i]}`);
  });
  return { agree, compared, diffs };
}

describe.skipIf(!haveTools)('symbolize gcc fixtures like eu-addr2line and llvm-addr2line -f -i', () => {
  for (const c of executables) {
    it.skipIf(c.llvmOnly === true && !llvmAddr2line())(c.name, () => {
      const path = c.build();
      const file = DebugFile.open(path);
      const addresses = everyByte(file);
      expect(addresses.length).toBeGreaterThan(100);
      const reference = referenceChains(c.oracleFile?.() ?? path, addresses, c.llvmOnly);
      const { agree, compared, diffs } = compare(ourChains(new Symbolizer(file), addresses), reference, addresses);
      console.log(`${c.name}: ${agree}/${compared} agree with the reference symbolizers (${addresses.length - compared} addresses where they disagree)`);
      expect(compared).toBeGreaterThan(addresses.length * 0.8);
      expect(diffs.slice(0, 5)).toEqual([]);
      file.close();
    });
  }

  it('the inline chain is innermost first, with call sites (DWARF 5 -O2)', () => {
    const file = DebugFile.open(buildFixture('d5', ['-g', '-O2']));
    const symbolizer = new Symbolizer(file);
    const chains = everyByte(file).map((a) => symbolizer.symbolize(a, { linkTime: true }).frames);
    const deep = chains.find((frames) => frames.map((f) => f.function).join(',') === 'clamp_add,twice,leaf');
    expect(deep).toBeDefined();
    expect(deep!.map((f) => f.inlined)).toEqual([true, true, false]);
    expect(deep![0]!.file).toMatch(/util\.h$/);
    // The outer frames carry the call sites: twice() is called from util.h:11, leaf() calls twice at main.c:8.
    expect(deep!.slice(1).map((f) => `${f.file!.split('/').pop()}:${f.line}`)).toEqual(['util.h:11', 'main.c:8']);
  });
});

interface ObjectCase {
  name: string;
  flags: string[];
  compiler: string;
}

const objects: ObjectCase[] = [
  { name: 'x86_64 relocatable (RELA)', flags: ['-g', '-O2', '-c'], compiler: 'gcc' },
  { name: 'x86_64 relocatable, DWARF 4', flags: ['-gdwarf-4', '-O2', '-c'], compiler: 'gcc' },
  { name: 'i386 relocatable (REL)', flags: ['-m32', '-g', '-O2', '-c'], compiler: 'gcc' },
  { name: 'aarch64 relocatable', flags: ['-g', '-O2', '-c'], compiler: 'aarch64-linux-gnu-gcc' },
];

describe.skipIf(!haveTools)('relocatable objects: section-relative addresses like eu-addr2line -j', () => {
  for (const c of objects) {
    const available = canBuild(c.flags, c.compiler);
    if (!available) console.log(`debuginfo fixtures: ${c.name} skipped, ${c.compiler} ${c.flags.join(' ')} cannot build here (apt: gcc-multilib / gcc-aarch64-linux-gnu)`);
    it.skipIf(!available)(c.name, () => {
      const path = buildFixture(`obj-${c.compiler}-${c.flags.join('')}.o`, c.flags, c.compiler);
      const file = DebugFile.open(path);
      expect(file.elf.isRelocatable).toBe(true);
      const symbolizer = new Symbolizer(file);
      const bySection = new Map<string, bigint[]>();
      for (const s of file.symbols.codeSymbols()) {
        const list = bySection.get(s.sectionName) ?? [];
        for (let i = 0; i < s.size; i++) list.push(s.value + BigInt(i));
        bySection.set(s.sectionName, list);
      }
      expect([...bySection.keys()]).toContain('.init.text');
      for (const [section, offsets] of bySection) {
        const eu = euAddr2line(path, offsets, section).map((f) => normalizeChain(f));
        const ours = offsets.map((o) => normalizeChain(symbolizer.symbolizeInSection(section, o).frames));
        const { diffs } = compare(ours, eu, offsets);
        expect(diffs.slice(0, 5), section).toEqual([]);
      }
      // The same offset in two sections names two different functions (distinct synthetic bases).
      const init = symbolizer.symbolizeInSection('.init.text', 0n).frames.at(-1)?.function;
      const text = symbolizer.symbolizeInSection('.text', 0n).frames.at(-1)?.function;
      expect(init).toBe('setup');
      expect(text).not.toBe(init);
    });
  }
});
