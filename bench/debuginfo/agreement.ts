// Acceptance run 1 of issue 3: 2,000 random addresses inside text symbols of the Debian vmlinux vs
// eu-addr2line and llvm-addr2line (compared where those two agree), and 50 modules' `.text` /
// `.init.text` section-relative addresses vs eu-addr2line -j. Every difference is printed, classified.
//   [CRASHNAV_KERNEL=6.12] npx tsx bench/debuginfo/agreement.ts [--addresses 2000] [--modules 50] [--per-module 20] [--seed 1]
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DebugFile } from '../../debuginfo/index.js';
import { fetchDbgCommand, modulesPath, vmlinuxPath } from './paths.js';
import { type AgreementResult, moduleAgreement, resolveTool, sampleTextAddresses, seededRandom, vmlinuxAgreement } from './agreement-lib.js';


function report(title: string, r: AgreementResult): void {
  const pct = r.compared ? ((100 * r.agree) / r.compared).toFixed(2) : 'n/a';
  console.log(`${title}: ${r.agree}/${r.compared} agree (${pct}%), ${r.total - r.compared} left out where the references disagree; ours ${r.oursMs.toFixed(0)} ms`);
  const kinds = new Map<string, number>();
  for (const d of r.differences) kinds.set(d.kind, (kinds.get(d.kind) ?? 0) + 1);
  if (kinds.size) console.log('  differences by kind: ' + [...kinds].map(([k, n]) => `${k} ${n}`).join(', '));
  if (r.leftOut?.length) {
    const sides = { 'ours = eu': 0, 'ours = llvm': 0, neither: 0 };
    for (const l of r.leftOut) sides[l.ours === l.eu ? 'ours = eu' : l.ours === l.llvm ? 'ours = llvm' : 'neither']++;
    console.log(`  left out (eu and llvm disagree): ${Object.entries(sides).map(([k, n]) => `${k} ${n}`).join(', ')}`);
    for (const l of r.leftOut) console.log(`  [left out] 0x${l.address.toString(16)}\n      ours: ${l.ours}\n      eu:   ${l.eu}\n      llvm: ${l.llvm}`);
  }
  for (const d of r.differences) {
    const third = d.binutils === undefined ? '' : d.ours.endsWith(d.binutils) ? '\n      binutils addr2line -j agrees with ours' : `\n      binutils: ${d.binutils}`;
    console.log(`  [${d.kind}] 0x${d.address.toString(16)}\n      ours: ${d.ours}\n      ref:  ${d.reference}${third}`);
  }
}

function listModules(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.ko')) out.push(full);
    }
  };
  walk(dir);
  return out.sort();
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { addresses: { type: 'string', default: '2000' }, modules: { type: 'string', default: '50' }, 'per-module': { type: 'string', default: '20' }, seed: { type: 'string', default: '1' } } });
  const seed = Number(values.seed);
  const eu = resolveTool(['eu-addr2line']);
  const llvm = resolveTool(['llvm-addr2line', 'llvm-addr2line-19', 'llvm-addr2line-16', 'llvm-addr2line-14']);
  const binutils = resolveTool(['addr2line']);
  if (!eu || !llvm) throw new Error('needs eu-addr2line (elfutils) and llvm-addr2line (llvm)');
  try {
    statSync(vmlinuxPath);
  } catch {
    throw new Error(`missing ${vmlinuxPath}: run ${fetchDbgCommand}`);
  }
  // The product never runs the peer tools: take them off PATH for our side of the comparison.
  process.env.PATH = '/nonexistent';
  const file = DebugFile.open(vmlinuxPath);
  const addresses = sampleTextAddresses(file, Number(values.addresses), seed);
  file.close();
  report(`vmlinux ${addresses.length} addresses (seed ${seed})`, vmlinuxAgreement(vmlinuxPath, addresses, { eu, llvm }));

  const all = listModules(modulesPath);
  const rnd = seededRandom(seed);
  const picked = new Set<string>();
  while (picked.size < Math.min(Number(values.modules), all.length)) picked.add(all[Math.floor(rnd() * all.length)]!);
  const total: AgreementResult = { total: 0, compared: 0, agree: 0, differences: [], oursMs: 0 };
  for (const ko of picked) {
    const r = moduleAgreement(ko, Number(values['per-module']), seed, eu, binutils);
    total.total += r.total;
    total.compared += r.compared;
    total.agree += r.agree;
    total.oursMs += r.oursMs;
    total.differences.push(...r.differences.map((d) => ({ ...d, ours: `${path.basename(ko)} ${d.ours}` })));
  }
  report(`${picked.size} modules, .text/.init.text, ${values['per-module']} addresses per section`, total);
}

await main();
