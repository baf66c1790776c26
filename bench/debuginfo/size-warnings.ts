// The size-mismatch check on real oopses of the matching kernel: every `func+0xoff/0xlen [mod]` of the crash
// lab's console logs and of examples/oopses/*.log resolved in the Debian vmlinux and the logs' own `.ko`
// files; on matching binaries the count of size-mismatch warnings must be zero.
//   npx tsc -p . && node dist/bench/debuginfo/size-warnings.js
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DebugFile, KernelSymbolizer } from '../../debuginfo/index.js';
import { vmlinuxPath } from './paths.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const lab = path.resolve(repoRoot, '../shared/crashes/lab');
const examples = path.join(repoRoot, 'examples');

const framePattern = /(?:^|[\s:])([A-Za-z_.$][\w.$]*\+0x[0-9a-f]+\/0x[0-9a-f]+)(?: \[(\w+)\])?/g;

function logs(): string[] {
  const out: string[] = [];
  const runs = path.join(lab, 'runs');
  if (existsSync(runs)) for (const r of readdirSync(runs)) out.push(path.join(runs, r, 'console.clean.log'));
  const oopses = path.join(examples, 'oopses');
  if (existsSync(oopses)) for (const f of readdirSync(oopses)) if (f.endsWith('.log')) out.push(path.join(oopses, f));
  return out.filter((f) => existsSync(f));
}

function modulePaths(): Map<string, string> {
  const out = new Map<string, string>();
  for (const root of [path.join(lab, 'modules'), path.join(examples, 'modules')]) {
    if (!existsSync(root)) continue;
    for (const m of readdirSync(root)) {
      const ko = path.join(root, m, `${m}.ko`);
      if (existsSync(ko)) out.set(m, ko);
    }
  }
  return out;
}

async function main(): Promise<void> {
  if (!existsSync(vmlinuxPath)) {
    console.log(`SKIP: ${vmlinuxPath} missing (scripts/fetch-debian.sh dbg: linux-image-6.1.0-53-cloud-amd64-dbg)`);
    return;
  }
  const kernel = new KernelSymbolizer({ vmlinux: DebugFile.open(vmlinuxPath), modulePaths: modulePaths() });
  let frames = 0;
  let mismatches = 0;
  for (const log of logs()) {
    const seen = new Set<string>();
    let inLog = 0;
    for (const m of readFileSync(log, 'utf8').matchAll(framePattern)) {
      const key = `${m[1]} ${m[2] ?? ''}`;
      if (seen.has(key)) continue;
      seen.add(key);
      frames++;
      const r = await kernel.resolve(m[1]!, m[2] ? { module: m[2] } : {});
      for (const w of r.warnings.filter((w) => w.code === 'size-mismatch')) {
        inLog++;
        console.log(`  ${key.trim()}: ${w.message}`);
      }
    }
    mismatches += inLog;
    console.log(`${path.relative(repoRoot, log)}: ${seen.size} distinct frames, ${inLog} size-mismatch warnings`);
  }
  console.log(`total: ${frames} distinct frames, ${mismatches} size-mismatch warnings`);
}

await main();
