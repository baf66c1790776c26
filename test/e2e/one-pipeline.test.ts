// One pipeline, three adapters: on every lab log the CLI's `resolve --json`, the annotated report's inputs
// and the language server's frame resolver answer each frame with the same provenance and the same lines.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../clients/cli/main.js';
import { resolveReports } from '../../clients/report/index.js';
import { parseCrashReport } from '../../crash/index.js';
import { defaultSettings } from '../../server/config.js';
import { CrashFrameResolver } from '../../server/workspace/frame-resolver.js';
import { SourceFiles } from '../../server/workspace/source-files.js';
import { captureIo } from '../support/capture-io.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const modulesDir = path.join(repoRoot, 'examples/modules');
const vmlinux = path.join(os.homedir(), '.cache/crashnav/pkg/dbg/usr/lib/debug/boot/vmlinux-6.1.0-53-cloud-amd64');
const haveDbg = existsSync(vmlinux);
if (!haveDbg) console.log(`one-pipeline test: skipping, ${vmlinux} is missing (scripts/fetch-debian.sh dbg)`);
const logs = readdirSync(path.join(repoRoot, 'examples/oopses')).filter((f) => /\.(log|crash\.txt)$/.test(f));

/** Per frame: its input line, provenance and lines (function, local file or display name, line). */
type FrameAnswer = [number, string | null, [string | null, string, number][]];

describe.skipIf(!haveDbg)('the CLI, the report and the server give the same frames', () => {
  it.each(logs)('%s', async (log) => {
    const file = path.join(repoRoot, 'examples/oopses', log);
    const t = captureIo({ cwd: repoRoot });
    const status = await main(['resolve', '--json', '--vmlinux', vmlinux, '--modules', modulesDir, '--root', modulesDir, file], t.io);
    const found = parseCrashReport(readFileSync(file, 'utf8'), { source: log }).reports.length;
    expect(status).toBe(found > 0 ? 0 : 1);
    const json = JSON.parse(t.out().trim()) as {
      reports: { stacks: { frames: { inputLine: number; provenance: string | null; locations: { function: string | null; file: string; path?: string; line: number }[] }[] }[] }[];
    };
    const cli: FrameAnswer[][] = json.reports.map((r) =>
      r.stacks.flatMap((s) => s.frames.map((f): FrameAnswer => [f.inputLine, f.provenance, f.locations.map((l) => [l.function, l.path ?? l.file, l.line])])),
    );

    const { inputs } = await resolveReports({ text: readFileSync(file, 'utf8'), source: log, vmlinux, modules: [modulesDir], root: modulesDir });
    const report: FrameAnswer[][] = inputs.map((input) =>
      input.stacks.flatMap((s) => s.frames.map((f): FrameAnswer => [f.inputLine, f.provenance, f.locations.map((l) => [l.function ?? null, l.path ?? l.file, l.line])])),
    );
    expect(report).toEqual(cli);

    const sources = new SourceFiles([modulesDir]);
    const server = new CrashFrameResolver({ settings: { ...defaultSettings(), vmlinux, moduleDirs: [modulesDir], sourceRoots: [modulesDir] }, indexes: [], sources });
    try {
      const reports = parseCrashReport(readFileSync(file, 'utf8'), { source: log }).reports;
      for (const [r, parsed] of reports.entries()) {
        for (const [i, frame] of parsed.stacks.flatMap((s) => s.frames).entries()) {
          const answer = await server.resolve(parsed, frame);
          const [, provenance, lines] = cli[r]![i]!;
          // The server links only files it can open: the CLI's lines up to the first one with no local file.
          const local = lines.slice(0, (lines.findIndex(([, f]) => !path.isAbsolute(f) || !existsSync(f)) + 1 || lines.length + 1) - 1);
          const got = answer.locations.map((l) => [l.function || null, l.file, l.line]);
          expect(got, `${log}:${frame.inputLine} ${frame.raw.trim()}`).toEqual(local);
          if (local.length > 0) expect(answer.provenance).toBe(provenance);
        }
      }
    } finally {
      server.close();
    }
  });
});
