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
