// Acceptance 2 of issue 3: crashnav's disassembly against GNU objdump -d on random functions of the
// Debian vmlinux and of random .ko modules: instruction boundaries (must be 100%), the instruction text
// exactly as printed (with the `<sym+off>` names), and after the normalisation the issue allows
// (size suffixes, retq/ret, immediate radix). Prints the figures, the time of both, and every mismatch
// class. An aarch64 binary (CRASHNAV_ARCH=arm64, issue 15) is compared with aarch64-linux-gnu-objdump.
// Usage: [CRASHNAV_KERNEL=6.12] [CRASHNAV_ARCH=arm64] npx tsx bench/disasm/objdump-agreement.ts
//          [--functions 200] [--modules 20] [--seed 1] [--intel] [--vmlinux F] [--modules-dir D]
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DebugFile, type DisasmInstruction, type DisasmSyntax, disassembleFromFile, elfConstants, renderInstructionText } from '../../debuginfo/index.js';
import { fetchDbgCommand, modulesPath, vmlinuxPath } from '../debuginfo/paths.js';
import { compareWithObjdump, type AgreementCounts, emptyCounts, parseObjdumpListing } from './objdump-compare.js';

/** The objdump that reads the file's machine code (the host's reads only x86). */
function objdumpFor(file: DebugFile): string {
  return file.elf.machine === elfConstants.EM_AARCH64 ? 'aarch64-linux-gnu-objdump' : 'objdump';
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(items: T[], count: number, random: () => number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < count && pool.length > 0) out.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!);
  return out;
}

function listModules(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ko')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

interface Timing {
  ours: number;
  objdump: number;
}

async function measureFunction(
  file: DebugFile,
  binary: string,
  sym: { address: bigint; size: number; value: bigint; sectionName: string },
  counts: AgreementCounts,
  timing: Timing,
  syntax: DisasmSyntax,
): Promise<void> {
  const relocatable = file.elf.isRelocatable;
  const start = relocatable ? sym.value : sym.address;
  const args = ['-d', '-w', `--start-address=0x${start.toString(16)}`, `--stop-address=0x${(start + BigInt(sym.size)).toString(16)}`];
  if (relocatable) args.push('-j', sym.sectionName);
  if (syntax === 'intel') args.push('-M', 'intel');
  let t = performance.now();
  const text = execFileSync(objdumpFor(file), [...args, binary], { encoding: 'utf8', maxBuffer: 256 << 20 });
  timing.objdump += performance.now() - t;
  t = performance.now();
  const d = await disassembleFromFile(file, { start: sym.address, stop: sym.address + BigInt(sym.size) }, { applyRelocations: false, syntax });
  const ours: DisasmInstruction[] = d.instructions;
  timing.ours += performance.now() - t;
  compareWithObjdump(parseObjdumpListing(text), ours, (insn) => renderInstructionText(insn, d.arch), counts, d.arch);
}

function randomFunctions(file: DebugFile, count: number, random: () => number) {
  const funcs = file.symbols
    .codeSymbols()
    .filter((s) => s.type === elfConstants.STT_FUNC && s.size > 0 && s.size < 1 << 20);
  const unique = [...new Map(funcs.map((s) => [s.address, s])).values()];
  return pick(unique, count, random);
}

function report(title: string, counts: AgreementCounts, timing: Timing): void {
  const pct = (n: number): string => ((100 * n) / Math.max(1, counts.instructions)).toFixed(3) + '%';
  console.log(`\n== ${title}`);
  console.log(`functions ${counts.functions}, instructions (objdump) ${counts.instructions}`);
  console.log(`same boundaries      ${counts.sameBoundary} / ${counts.instructions}  ${pct(counts.sameBoundary)}   (target 100%)`);
  console.log(`same text, exact     ${counts.sameExact} / ${counts.instructions}  ${pct(counts.sameExact)}`);
  console.log(`same text, no <sym>  ${counts.sameWithoutNames} / ${counts.instructions}  ${pct(counts.sameWithoutNames)}`);
  console.log(`same text, normalised ${counts.sameNormalised} / ${counts.instructions}  ${pct(counts.sameNormalised)}   (target >= 99.5%)`);
  console.log(`time: crashnav ${(timing.ours / 1000).toFixed(2)} s, objdump ${(timing.objdump / 1000).toFixed(2)} s (${counts.functions} processes), ratio ${(timing.ours / timing.objdump).toFixed(2)}`);
  const classes = [...counts.mismatches.entries()].sort((a, b) => b[1].count - a[1].count);
  if (classes.length > 0) console.log('mismatch classes (objdump | crashnav):');
  for (const [key, m] of classes.slice(0, 25)) console.log(`  ${m.count}  ${key}\n      ${m.examples.join('\n      ')}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      functions: { type: 'string', default: '200' },
      modules: { type: 'string', default: '20' },
      'per-module': { type: 'string', default: '20' },
      seed: { type: 'string', default: '1' },
      vmlinux: { type: 'string', default: vmlinuxPath },
      'modules-dir': { type: 'string', default: modulesPath },
      intel: { type: 'boolean', default: false },
    },
  });
  if (!existsSync(values.vmlinux)) {
    console.log(`SKIP: ${values.vmlinux} is missing (run ${fetchDbgCommand})`);
    return;
  }
  const random = rng(Number(values.seed));
  const syntax: DisasmSyntax = values.intel ? 'intel' : 'att';
  const vmlinux = DebugFile.open(values.vmlinux);
  const aarch64 = vmlinux.elf.machine === elfConstants.EM_AARCH64;
  if (values.intel && aarch64) throw new Error(`${values.vmlinux}: --intel is for x86-64 binaries`);
  console.log(`syntax: ${aarch64 ? 'AArch64 (aarch64-linux-gnu-objdump)' : syntax === 'intel' ? 'Intel (objdump -M intel)' : 'AT&T (objdump default)'}, seed ${values.seed}`);
  const counts = emptyCounts();
  const timing: Timing = { ours: 0, objdump: 0 };
  for (const sym of randomFunctions(vmlinux, Number(values.functions), random)) {
    await measureFunction(vmlinux, values.vmlinux, sym, counts, timing, syntax);
  }
  report(`vmlinux: ${values.functions} random functions of ${path.basename(values.vmlinux)}`, counts, timing);

  const modules = pick(listModules(values['modules-dir']), Number(values.modules), random);
  const kcounts = emptyCounts();
  const ktiming: Timing = { ours: 0, objdump: 0 };
  for (const ko of modules) {
    const file = DebugFile.open(ko);
    try {
      for (const sym of randomFunctions(file, Number(values['per-module']), random)) {
        await measureFunction(file, ko, sym, kcounts, ktiming, syntax);
      }
    } finally {
      file.close();
    }
  }
  report(`modules: up to ${values['per-module']} random functions of each of ${modules.length} random .ko (${modules.map((m) => path.basename(m)).join(' ')})`, kcounts, ktiming);
}

await main();
