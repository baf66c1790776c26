// A ReportView made from one run of ../shared/crashes/lab: its frames with the locations binutils gave
// (frames.jsonl) and the module's real source, so the renderers are tested on real content without the pipeline.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CHighlighter, SourceFiles, makeLinker, readSourceExcerpt, type ReportView, type ViewFrame } from '../../../clients/report/index.js';

interface LabFrame {
  run: string;
  kind: string;
  raw_line: string;
  symbol: string;
  reliable: boolean;
  module: string | null;
  expected: { function: string; file: string; line: number; src_path: string; src_kind: string }[] | null;
}

export function labView(labDir: string, run: string): ReportView {
  const records = readFileSync(path.join(labDir, 'frames.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LabFrame)
    .filter((r) => r.run === run && (r.kind === 'rip' || r.kind === 'trace'));
  const highlighter = new CHighlighter();
  const files = new SourceFiles();
  const link = makeLinker({});
  const frames: ViewFrame[] = records.map((r, index) => {
    const locations = (r.expected ?? []).map((e, i, all) => {
      const abs = e.src_kind === 'crashlab' ? path.join(labDir, e.src_path) : undefined;
      return { function: e.function, file: e.src_path, line: e.line, inlined: i < all.length - 1, href: abs ? link({ path: e.src_path, absPath: abs, line: e.line }) : undefined };
    });
    const inner = (r.expected ?? [])[0];
    const excerpt =
      inner?.src_kind === 'crashlab' ? readSourceExcerpt(path.join(labDir, inner.src_path), inner.src_path, inner.line, { files, highlighter, context: 4 }) : undefined;
    return {
      index,
      label: r.raw_line.replace(/^\[[^\]]*\]\s*(RIP: \w+:)?\s*(\? )?/, ''),
      reliable: r.reliable,
      guilty: index === 0,
      provenance: 'dwarf',
      locations,
      callers: [],
      excerpt,
      warnings: [],
    };
  });
  const guilty = frames[0]!;
  return {
    source: `${run}/console.log`,
    title: `lab run ${run}`,
    kind: 'oops',
    release: '6.1.0-53-cloud-amd64',
    machine: 'QEMU Standard PC (i440FX + PIIX, 1996)',
    facts: [{ label: 'taint', raw: 'OE', meaning: 'O: out-of-tree module loaded; E: unsigned module loaded' }],
    guilty: { stack: 0, frame: 0, label: guilty.label, reason: 'the faulting RIP', location: guilty.locations[0] },
    notices: [],
    wrongBinary: [],
    stacks: [{ context: 'task', frames }],
    registers: [{ name: 'RAX', value: '0000000000000000' }],
    generator: 'test/report/support/lab-view.ts',
  };
}
