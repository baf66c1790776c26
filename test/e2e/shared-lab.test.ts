// Issue 5, acceptance 1 (shared half): the report pipeline on the real Debian 6.1 oopses of
// ../shared/crashes/lab (modules without a CRASH HERE marker), each reliable frame checked against what
// binutils addr2line gave in frames.jsonl: at the address for the faulting RIP, at address - 1 (the call)
// for return addresses. Module frames need only the lab's .ko files; kernel frames need Debian's vmlinux-dbg.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveReports } from '../../clients/report/index.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const lab = path.resolve(repoRoot, '../shared/crashes/lab');
const vmlinux = path.join(os.homedir(), '.cache/crashnav/pkg/dbg/usr/lib/debug/boot/vmlinux-6.1.0-53-cloud-amd64');
const haveLab = existsSync(path.join(lab, 'frames.jsonl'));
const haveVmlinux = existsSync(vmlinux);
if (!haveLab) console.log(`skipping the shared lab suite: ${lab} is absent`);
else if (!haveVmlinux) console.log(`kernel frames of the shared lab suite skipped: ${vmlinux} is absent (scripts/fetch-debian.sh dbg)`);

interface Expected {
  function: string;
  file: string;
  line: number;
}
interface LabFrame {
  run: string;
  line_no: number;
  raw_line: string;
  kind: string;
  reliable: boolean;
  symbol: string;
  module: string | null;
  is_return_address: boolean;
  expected: Expected[] | null;
  expected_at_callsite: Expected[] | null;
}

const records: LabFrame[] = haveLab
  ? readFileSync(path.join(lab, 'frames.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LabFrame)
  : [];
const runs = [...new Set(records.map((r) => r.run))].filter((run) => existsSync(path.join(lab, 'runs', run, 'console.clean.log')));

// Assembly (.S) units have no subprogram DIEs, so their function is named from the symbol table, where
// addr2line takes the nearest label (entry_SYSCALL_64_after_hwframe) and debuginfo/ the sized symbol that
// contains the address (entry_SYSCALL_64): compare their file:line only.
const chainOf = (locations: { function?: string; file: string; line: number }[]) =>
  locations.map((l) => `${l.file.endsWith('.S') ? '' : `${l.function} `}${path.basename(l.file)}:${l.line}`);

describe.skipIf(!haveLab)('shared lab oopses against addr2line (frames.jsonl)', () => {
  for (const run of runs) {
    for (const scope of ['module', 'kernel'] as const) {
      it.skipIf(scope === 'kernel' && !haveVmlinux)(`${run}: ${scope} frames`, async () => {
        const text = readFileSync(path.join(lab, 'runs', run, 'console.clean.log'), 'utf8');
        const { inputs } = await resolveReports({
          text,
          source: `${run}/console.clean.log`,
          root: lab,
          modules: [path.join(lab, 'modules')],
          ...(scope === 'kernel' ? { vmlinux } : {}),
        });
        const frames = inputs.flatMap((i) => i.stacks.flatMap((s) => s.frames)).sort((a, b) => a.inputLine - b.inputLine);
        const wanted = records.filter(
          (r) => r.run === run && (r.kind === 'rip' || r.kind === 'trace') && r.reliable && (scope === 'module') === (r.module !== null),
        );
        let compared = 0;
        // frames.jsonl's line numbers are not those of console.clean.log: match the printed text, in order.
        let next = 0;
        for (const r of wanted.sort((a, b) => a.line_no - b.line_no)) {
          const text = r.raw_line.replace(/^\[[^\]]*\]/, '').trim();
          const at = frames.findIndex((f, i) => i >= next && f.raw.trim() === text);
          const frame = frames[at];
          next = at + 1;
          expect(frame, `${run}:${r.line_no} ${r.symbol}`).toBeDefined();
          const expected = r.is_return_address ? r.expected_at_callsite : r.expected;
          expect(chainOf(frame!.locations), `${run}:${r.line_no} ${r.symbol}`).toEqual(chainOf(expected ?? []));
          compared++;
        }
        console.log(`${run}: ${compared} reliable ${scope} frames equal addr2line's`);
        expect(compared).toBeGreaterThan(0);
      });
    }
  }
});
