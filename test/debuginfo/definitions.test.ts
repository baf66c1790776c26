// Each frame's definition (`decl`) from DWARF: DW_AT_decl_file/decl_line of the frame's subprogram or
// inlined subroutine, through abstract_origin and specification, checked against llvm-dwarfdump on
// gcc-built fixtures (DWARF 2 to 5, LTO's cross-unit origins, a relocatable object), and on a few
// functions of Debian's 6.1 vmlinux against the compiler's own list in ../shared/oracle.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { vmlinuxPath } from '../../bench/debuginfo/paths.js';
import { DebugFile, type SourcePlace, Symbolizer } from '../../debuginfo/index.js';
import { buildFixture, hasTool, run } from './support/fixtures.js';

const haveTools = hasTool('gcc') && hasTool('llvm-dwarfdump');
if (!haveTools) console.log('debuginfo definitions: fixture checks skipped, needs gcc and llvm-dwarfdump');

interface DumpedDie {
  name?: string;
  declFile?: string;
  declLine?: number;
  origin?: number;
}

/** The DIEs of `llvm-dwarfdump --debug-info`, by offset: name, decl and the abstract_origin/specification reference. */
function dumpDies(file: string): Map<number, DumpedDie> {
  const dies = new Map<number, DumpedDie>();
  let current: DumpedDie | undefined;
  for (const line of run('llvm-dwarfdump', ['--debug-info', file]).split('\n')) {
    const head = /^0x([0-9a-f]+):\s+DW_TAG_/.exec(line);
    if (head) dies.set(parseInt(head[1]!, 16), (current = {}));
    const attr = /^\s+DW_AT_(\w+)\s+\((.*)\)$/.exec(line);
    if (!attr || !current) continue;
    const [, name, value] = attr;
    if (name === 'name') current.name = JSON.parse(value!) as string;
    else if (name === 'decl_file') current.declFile = JSON.parse(value!) as string;
    else if (name === 'decl_line') current.declLine = Number(value);
    else if (name === 'abstract_origin' || name === 'specification') current.origin = parseInt(value!.slice(2), 16);
  }
  return dies;
}

/** What the dump says a DIE's definition is: each fact from the first DIE of its reference chain that has it. */
function expectedDecl(dies: Map<number, DumpedDie>, offset: number): SourcePlace | undefined {
  let file: string | undefined;
  let line: number | undefined;
  for (let die = dies.get(offset), n = 0; die && n < 16; die = die.origin === undefined ? undefined : dies.get(die.origin), n++) {
    file ??= die.declFile;
    line ??= die.declLine;
  }
  return file !== undefined && line !== undefined ? { file: path.normalize(file), line } : undefined;
}

const cases = [
  { name: 'DWARF 5 -O2', build: () => buildFixture('d5', ['-g', '-O2']) },
  { name: 'DWARF 4 -O2', build: () => buildFixture('d4', ['-gdwarf-4', '-O2']) },
  { name: 'DWARF 2 strict -O1', build: () => buildFixture('d2', ['-gdwarf-2', '-gstrict-dwarf', '-O1']) },
  { name: 'DWARF 5 -O2 -flto (origins in another unit)', build: () => buildFixture('d5lto', ['-g', '-O2', '-flto']) },
  { name: 'relocatable object', build: () => buildFixture('obj-gcc--g-O2-c.o', ['-g', '-O2', '-c']) },
];

describe.skipIf(!haveTools)('definitions from DWARF against llvm-dwarfdump', () => {
  for (const c of cases) {
    it(`${c.name}: every frame of every code byte`, () => {
      const binary = c.build();
      const file = DebugFile.open(binary);
      const dies = dumpDies(binary);
      let frames = 0;
      let inlined = 0;
      const names = new Set<string>();
      for (const sym of file.symbols.codeSymbols()) {
        for (let a = sym.address; a < sym.address + BigInt(sym.size); a++) {
          for (const f of file.dwarf!.findFrames(a)) {
            if (f.dieOffset === undefined) continue;
            const want = expectedDecl(dies, f.dieOffset);
            const got = f.decl && { file: path.normalize(f.decl.file), line: f.decl.line };
            expect(got, `${sym.name}+0x${(a - sym.address).toString(16)} ${f.function}`).toEqual(want);
            frames++;
            if (f.inlined) inlined++;
            if (f.decl) names.add(`${f.function}@${path.basename(f.decl.file)}:${f.decl.line}`);
          }
        }
      }
      // The fixture's functions, the inlined ones from util.h included.
      expect(frames).toBeGreaterThan(100);
      expect(inlined).toBeGreaterThan(0);
      expect([...names]).toEqual(expect.arrayContaining(['leaf@main.c:5', 'twice@util.h:9', 'clamp_add@util.h:1']));
    });
  }

  it('a symbolization carries the decl of each level', () => {
    const s = new Symbolizer(DebugFile.open(buildFixture('d5', ['-g', '-O2'])));
    const sym = s.lookup('leaf')[0]!;
    const chains = Array.from({ length: sym.size }, (_, i) => s.symbolize(sym.address + BigInt(i), { linkTime: true }).frames);
    const deep = chains.find((f) => f.length === 3)!;
    expect(deep.map((f) => [f.function, path.basename(f.decl!.file), f.decl!.line])).toEqual([
      ['clamp_add', 'util.h', 1],
      ['twice', 'util.h', 9],
      ['leaf', 'main.c', 5],
    ]);
  });
});

const oracle = path.resolve(import.meta.dirname, '../../../shared/oracle/defs.tsv');
const haveReal = existsSync(vmlinuxPath) && existsSync(oracle);
if (!haveReal) console.log(`debuginfo definitions: Debian 6.1 check skipped, missing ${vmlinuxPath} or ${oracle}`);

describe.skipIf(!haveReal)('definitions in the Debian 6.1 vmlinux', () => {
  it('a function start: the outermost frame has the one definition the compiler lists (seeded sample of 100)', () => {
    const byName = new Map<string, string[][]>();
    for (const r of readFileSync(oracle, 'utf8').split('\n').map((l) => l.split('\t'))) if (r.length === 3) byName.set(r[0]!, [...(byName.get(r[0]!) ?? []), r]);
    const single = [...byName].filter(([, rows]) => rows.length === 1).map(([name]) => name);
    const s = new Symbolizer(DebugFile.open(vmlinuxPath));
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const counts = { checked: 0, same: 0, absent: 0, different: 0 };
    const different: string[] = [];
    while (counts.checked < 100) {
      const name = single[Math.floor(random() * single.length)]!;
      const syms = s.lookup(name).filter((x) => x.size > 0);
      if (syms.length !== 1) continue;
      const outer = s.symbolize(syms[0]!.address, { linkTime: true }).frames.at(-1);
      if (outer?.function !== name) continue;
      counts.checked++;
      const [, file, line] = byName.get(name)![0]!;
      if (!outer.decl) counts.absent++;
      else if (outer.decl.file === file && outer.decl.line === Number(line)) counts.same++;
      else {
        counts.different++;
        different.push(`${name}: ${outer.decl.file}:${outer.decl.line}, oracle ${file}:${line}`);
      }
    }
    console.log(`definitions vs oracle/defs.tsv: ${counts.same}/${counts.checked} same, ${counts.absent} absent (no subprogram DIE with a decl at the address), ${counts.different} different`);
    expect(different).toEqual([]);
    expect(counts.same / counts.checked).toBeGreaterThanOrEqual(0.98);
  });
});
