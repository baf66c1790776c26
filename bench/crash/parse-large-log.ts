// Parses a ~100 MB log of concatenated real reports (the lab console logs, syzkaller and wild texts,
// repeated) and prints throughput and peak memory. Run: npx tsx bench/crash/parse-large-log.ts [MB]
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCrashReport } from '../../crash/index.js';
import { shared } from './syzkaller-scoring.js';

const targetMb = Number(process.argv[2] ?? 100);
const crashes = path.join(shared, 'crashes');
const pieces: string[] = [];
for (const dir of ['wild', 'syzkaller/report']) {
  for (const f of readdirSync(path.join(crashes, dir))) pieces.push(readFileSync(path.join(crashes, dir, f), 'utf8'));
}
for (const run of ['a_nullwrite', 'b_panic', 'c_bugon']) pieces.push(readFileSync(path.join(crashes, 'lab/runs', run, 'console.log'), 'utf8'));
const unit = pieces.join('\n');
const copies = Math.max(1, Math.round((targetMb * 1e6) / unit.length));
const log = Array.from({ length: copies }, () => unit).join('\n');
const before = process.memoryUsage().rss;
const start = performance.now();
const { reports, problems } = parseCrashReport(log, { source: 'large' });
const seconds = (performance.now() - start) / 1000;
const mb = log.length / 1e6;
console.log(`parsed ${mb.toFixed(1)} MB (${copies} copies of ${pieces.length} texts): ${reports.length} reports, ${problems.length} problems`);
console.log(`wall ${seconds.toFixed(2)} s = ${(mb / seconds).toFixed(1)} MB/s; rss before ${(before / 1e6).toFixed(0)} MB, after ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB; ${process.resourceUsage().maxRSS / 1000 | 0} MB peak`);
