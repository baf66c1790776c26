// How well the inferred stack-protector calls match the compiler's: the functions `-3 __stack_chk_fail`
// lists against those with a `__stack_chk_fail` call site in the DWARF oracle, by name; functions the
// vmlinux does not build (no row in defs.tsv) are left out of the precision.
//   npx tsx bench/indexer/stack-protector-score.ts --db DB [--root TREE] [--oracle DIR] [--misses K]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KernelIndex } from '../../indexer/index.js';

const { values } = parseArgs({ options: { db: { type: 'string' }, root: { type: 'string' }, oracle: { type: 'string' }, misses: { type: 'string', default: '0' } } });
const root = path.resolve(values.root ?? `${process.env.HOME}/.cache/crashnav/linux-source-6.1.187-1`);
const oracleDir = path.resolve(values.oracle ?? path.join(import.meta.dirname, '../../../shared/oracle'));
const index = KernelIndex.open(path.resolve(values.db ?? path.join(root, '.crashnav/index.db')), { root });

const tsv = (file: string) => readFileSync(path.join(oracleDir, file), 'utf8').split('\n').map((l) => l.split('\t'));
const built = new Set(tsv('defs.tsv').map(([name]) => name));
const truth = new Set(tsv('calls.tsv').filter(([, callee]) => callee === '__stack_chk_fail').map(([caller]) => caller!));
const named = new Set(index.findCallers('__stack_chk_fail').map((s) => s.caller.name));
index.close();

const listedBuilt = [...named].filter((n) => built.has(n));
const right = listedBuilt.filter((n) => truth.has(n));
const pct = (a: number, b: number) => `${a}/${b} = ${((100 * a) / b).toFixed(1)}%`;
console.log(`functions with a __stack_chk_fail call site in the vmlinux: ${truth.size}`);
console.log(`named by -3 __stack_chk_fail (built ones): ${listedBuilt.length}; precision ${pct(right.length, listedBuilt.length)}; recall ${pct(right.length, truth.size)}`);
const k = Number(values.misses);
if (k > 0) {
  console.log('named, but no canary in the vmlinux:', listedBuilt.filter((n) => !truth.has(n)).slice(0, k).join(' '));
  console.log('canary in the vmlinux, not named:', [...truth].filter((n) => !named.has(n)).slice(0, k).join(' '));
}
