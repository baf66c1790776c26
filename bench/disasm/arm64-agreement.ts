// AArch64 disassembly against aarch64-linux-gnu-objdump -d on a real arm64 binary (by default the
// cross toolchain's glibc, which gcc-aarch64-linux-gnu installs): every function, word by word, the
// text compared exactly and with whitespace collapsed. No arm64 kernel is in the Debian data set, so
// this is the large-sample check of the arm64 spelling. Usage: npx tsx bench/disasm/arm64-agreement.ts [BINARY]
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { DebugFile, disassembleFromFile, elfConstants, renderInstructionText } from '../../debuginfo/index.js';
import { compareWithObjdump, emptyCounts, parseObjdumpListing } from './objdump-compare.js';

const binary = process.argv[2] ?? '/usr/aarch64-linux-gnu/lib/libc.so.6';
if (!existsSync(binary)) {
  console.log(`SKIP: ${binary} is missing (apt install gcc-aarch64-linux-gnu, or pass an aarch64 ELF)`);
  process.exit(0);
}
const file = DebugFile.open(binary);
const funcs = [...new Map(file.symbols.codeSymbols().filter((s) => s.type === elfConstants.STT_FUNC && s.size > 0).map((s) => [s.address, s])).values()];
let t = performance.now();
const objdump = parseObjdumpListing(execFileSync('aarch64-linux-gnu-objdump', ['-d', '-w', binary], { encoding: 'utf8', maxBuffer: 1 << 30 }));
const objdumpMs = performance.now() - t;
const byAddress = new Map(objdump.map((l) => [l.address, l]));
const counts = emptyCounts();
t = performance.now();
for (const f of funcs) {
  const d = await disassembleFromFile(file, { start: f.address, stop: f.address + BigInt(f.size) });
  const expected = d.instructions.map((i) => byAddress.get(i.address)).filter((l) => l !== undefined);
  compareWithObjdump(expected, d.instructions, (i) => renderInstructionText(i, 'arm64'), counts);
}
const oursMs = performance.now() - t;
const pct = (n: number): string => ((100 * n) / counts.instructions).toFixed(3) + '%';
console.log(`${binary}: ${counts.functions} functions, ${counts.instructions} instructions`);
console.log(`same words           ${counts.sameBoundary}  ${pct(counts.sameBoundary)}`);
console.log(`same text, exact     ${counts.sameExact}  ${pct(counts.sameExact)}`);
console.log(`same text, no <sym>  ${counts.sameWithoutNames}  ${pct(counts.sameWithoutNames)}`);
console.log(`time: crashnav ${(oursMs / 1000).toFixed(2)} s, objdump ${(objdumpMs / 1000).toFixed(2)} s (one process)`);
for (const [key, m] of [...counts.mismatches.entries()].sort((a, b) => b[1].count - a[1].count).slice(0, 15)) {
  console.log(`  ${m.count}  ${key}\n      ${m.examples.join('\n      ')}`);
}
