// `crashnav resolve --debug-root DIR` given nothing else, for every distribution's layout
// (support/distro-layouts.ts): the vmlinux and the module are found by the report's release, every
// frame (a module's, the vmlinux's) resolves through DWARF to a line, nothing is said on stderr.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/capture-io.js';
import { layOut, layouts, moduleId, release } from './support/distro-layouts.js';
import { hasTool } from './support/fixtures.js';
import { standInModuleOops } from './support/kernel-stand-in.js';

const haveTools = hasTool('gcc') && hasTool('objcopy') && hasTool('ld');
if (!haveTools) console.log('debuginfo distribution layouts (CLI): skipped, needs gcc, ld and objcopy');

interface JsonFrame {
  symbol: string;
  module: string | null;
  provenance: string;
  locations: { function: string; file: string; line: number }[];
}

describe.skipIf(!haveTools)('crashnav resolve --debug-root, every distribution layout', () => {
  for (const layout of layouts) {
    it(layout.name, async () => {
      const { root, at } = layOut(layout);
      const oops = path.join(root, 'oops.log');
      writeFileSync(oops, standInModuleOops(release, 'my_mod', moduleId));
      const r = await runCli(['resolve', '--json', '--debug-root', root, oops]);
      expect([r.code, r.err]).toEqual([0, '']);
      const report = JSON.parse(r.out).reports[0];
      expect(report.vmlinux).toBe(at(layout.vmlinux));
      expect(report.warnings).toEqual([]);
      const frames: JsonFrame[] = report.stacks.flatMap((s: { frames: JsonFrame[] }) => s.frames);
      expect(frames.map((f) => [f.symbol, f.module, f.provenance, f.locations.at(-1)?.function])).toEqual([
        ['mod_fault', 'my_mod', 'dwarf', 'mod_fault'],
        ['do_thing', null, 'dwarf', 'do_thing'],
        ['start_kernel', null, 'dwarf', 'start_kernel'],
      ]);
      for (const f of frames) expect(f.locations.at(-1)!.line).toBeGreaterThan(0);
      expect(frames[0]!.locations.at(-1)!.file).toMatch(/my-mod\.c$/);
    });
  }
});

describe.skipIf(!haveTools)('crashnav resolve checks build-ids the report carries', () => {
  it('a module frame whose [mod BUILDID] is another build: one report-level wrong-binary warning, exit 3', async () => {
    const { root } = layOut(layouts[0]!);
    const oops = path.join(root, 'oops-other-build.log');
    // Kernels with CONFIG_STACKTRACE_BUILD_ID print a module's build-id on its trace lines (not on RIP:).
    const text = standInModuleOops(release, 'my_mod').replace(' do_thing+0x4/0x10', ` mod_fault+0x8/0x10 [my_mod ${'ef'.repeat(20)}]\n do_thing+0x4/0x10`);
    writeFileSync(oops, text);
    const r = await runCli(['resolve', '--json', '--debug-root', root, oops]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/WRONG BINARY/);
    const report = JSON.parse(r.out).reports[0];
    expect(report.warnings.map((w: { code: string }) => w.code)).toContain('module-build-id-mismatch');
    const frames = report.stacks.flatMap((s: { frames: { warnings: { code: string }[] }[] }) => s.frames);
    expect(frames.flatMap((f: { warnings: { code: string }[] }) => f.warnings.map((w) => w.code))).not.toContain('module-build-id-mismatch');
  });
});
