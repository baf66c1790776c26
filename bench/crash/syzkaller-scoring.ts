// The syzkaller acceptance measurement, shared by the test (which asserts the thresholds) and the bench script.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { frameFile, parseCrashReport } from '../../crash/index.js';

export const shared = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared');

interface Half { total: number; hits: number }
export interface SyzkallerScore {
  titles: { even: Half; odd: Half };
  guilty: { even: Half; odd: Half };
  noHeader: { total: number; clean: number };
  ruleHits: Map<string, number>;
  misses: { file: string; cause: string; expected: string; got: string }[];
}

function splitHeader(text: string): { header: Map<string, string[]>; body: string } {
  const header = new Map<string, string[]>();
  const lines = text.split('\n');
  let i = 0;
  for (; i < lines.length && lines[i] !== ''; i++) {
    const m = /^([A-Z]+): ?(.*)$/.exec(lines[i]);
    if (!m) {
      if (lines[i].startsWith('#')) continue;
      return { header: new Map(), body: text };
    }
    header.set(m[1], [...(header.get(m[1]) ?? []), m[2]]);
  }
  return { header, body: lines.slice(i + 1).join('\n') };
}

function bump(h: Half, hit: boolean): void {
  h.total++;
  if (hit) h.hits++;
}

export function scoreSyzkaller(): SyzkallerScore | undefined {
  const dir = path.join(shared, 'crashes/syzkaller');
  if (!existsSync(dir)) return undefined;
  const score: SyzkallerScore = {
    titles: { even: { total: 0, hits: 0 }, odd: { total: 0, hits: 0 } },
    guilty: { even: { total: 0, hits: 0 }, odd: { total: 0, hits: 0 } },
    noHeader: { total: 0, clean: 0 },
    ruleHits: new Map(),
    misses: [],
  };
  for (const name of readdirSync(path.join(dir, 'report'))) {
    const text = readFileSync(path.join(dir, 'report', name), 'latin1');
    const { header, body } = splitHeader(text);
    const { reports } = parseCrashReport(body, { source: name });
    if (!header.has('TITLE')) {
      score.noHeader.total++;
      if (reports.length === 0) score.noHeader.clean++;
      else score.misses.push({ file: name, cause: 'report found in a crash-free log', expected: '-', got: reports[0].title });
      continue;
    }
    if (header.get('CORRUPTED')?.[0] === 'Y') continue;
    // syzkaller titles the first titled report; fragments (traces with no title line) are crashnav's own.
    reports.splice(0, reports.length, ...reports.filter((r) => r.kind !== 'fragment'));
    const expected = [...header.get('TITLE')!, ...(header.get('ALT') ?? [])];
    const got = reports[0]?.title ?? '';
    const hit = expected.includes(got);
    bump(Number(name) % 2 === 0 ? score.titles.even : score.titles.odd, hit);
    if (hit) {
      const rule = reports[0]?.titleRule ?? 'no report';
      score.ruleHits.set(rule, (score.ruleHits.get(rule) ?? 0) + 1);
    } else {
      const cause = !reports.length ? 'no report found' : reports[0].titleRule === 'headline' ? 'no title rule' : got.replace(/ in .*/, '') !== expected[0].replace(/ in .*/, '') ? 'wrong rule/prefix' : 'wrong frame';
      score.misses.push({ file: name, cause, expected: expected[0], got });
    }
  }
  for (const name of readdirSync(path.join(dir, 'guilty'))) {
    const { header, body } = splitHeader(readFileSync(path.join(dir, 'guilty', name), 'latin1'));
    const expected = header.get('FILE')?.[0];
    if (!expected) continue;
    const report = parseCrashReport(body, { source: name }).reports.find((r) => r.kind !== 'fragment');
    const g = report?.guilty;
    const got = g && report ? frameFile(report.stacks[g.stack].frames[g.frame]) ?? '' : '';
    bump(Number(name) % 2 === 0 ? score.guilty.even : score.guilty.odd, got === expected);
    if (got !== expected) score.misses.push({ file: 'guilty/' + name, cause: 'guilty file', expected, got });
  }
  return score;
}

const pct = (h: Half): string => `${h.hits}/${h.total} = ${((100 * h.hits) / Math.max(1, h.total)).toFixed(1)}%`;

export function renderSyzkallerScore(s: SyzkallerScore, options: { misses?: boolean } = {}): string {
  const out = [
    `titles  even ${pct(s.titles.even)}  odd ${pct(s.titles.odd)}`,
    `guilty  even ${pct(s.guilty.even)}  odd ${pct(s.guilty.odd)}`,
    `no-header logs with no report: ${s.noHeader.clean}/${s.noHeader.total}`,
    'title rule hits: ' + [...s.ruleHits].sort((a, b) => b[1] - a[1]).map(([r, n]) => `${r} ${n}`).join(', '),
  ];
  const causes = new Map<string, number>();
  for (const m of s.misses) causes.set(m.cause, (causes.get(m.cause) ?? 0) + 1);
  out.push('misses by cause: ' + [...causes].map(([c, n]) => `${c} ${n}`).join(', '));
  if (options.misses) for (const m of s.misses) out.push(`  ${m.file}: [${m.cause}] want "${m.expected}" got "${m.got}"`);
  return out.join('\n');
}
