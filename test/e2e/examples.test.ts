// Issue 5, acceptance 1 (bundled half): every committed lab oops in examples/oopses resolves, through the
// module's .ko alone, to the `CRASH HERE` line of that module's source, with the inline chain named for
// the inline case and the faulting instruction's source line in the disassembly.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateReport, renderText, type ReportView } from '../../clients/report/index.js';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const examples = path.join(repoRoot, 'examples');
const modulesDir = path.join(examples, 'modules');

interface Manifest {
  runs: { log: string; module: string; crashSession: string | null }[];
}

/** The 1-based line of the `CRASH HERE` marker in a module's source, or undefined (hello has none). */
function crashHereLine(module: string): number | undefined {
  const lines = readFileSync(path.join(modulesDir, module, `${module}.c`), 'utf8').split('\n');
  const i = lines.findIndex((l) => l.includes('CRASH HERE'));
  return i < 0 ? undefined : i + 1;
}

const manifest = JSON.parse(readFileSync(path.join(examples, 'oopses', 'manifest.json'), 'utf8')) as Manifest;
const crashing = manifest.runs.filter((r) => crashHereLine(r.module) !== undefined);
const inputs = crashing.map((r) => ({ file: r.log, module: r.module }));
const sessions = crashing.filter((r) => r.crashSession !== null).map((r) => ({ file: r.crashSession!, module: r.module }));

async function reportOf(file: string): Promise<ReportView> {
  const { views } = await generateReport({
    text: readFileSync(path.join(repoRoot, file), 'utf8'),
    source: file,
    root: modulesDir,
    modules: [modulesDir],
  });
  expect(views.length).toBeGreaterThan(0);
  return views[0]!;
}

describe('examples/oopses: the guilty frame is the CRASH HERE line', () => {
  it('has a log for every example module with a CRASH HERE marker', () => {
    const withMarker = ['kill_kernel', 'null_pointer', 'inline_helper', 'timer_crash'].filter((m) => crashHereLine(m) !== undefined);
    expect(new Set(crashing.map((r) => r.module))).toEqual(new Set(withMarker));
  });

  for (const { file, module } of inputs) {
    it(`${file} → ${module}/${module}.c:${crashHereLine(module)}`, async () => {
      const view = await reportOf(file);
      const line = crashHereLine(module)!;
      const moduleFrame = view.stacks.flatMap((s) => s.frames).find((f) => f.label.endsWith(`[${module}]`) && f.reliable);
      expect(moduleFrame?.provenance).toBe('dwarf');
      // The .ko and the kernel are the ones that crashed: the sizes the kernel printed (padding, a module's
      // text up to its page end) and a return address at a function's end (a noreturn call) all fit.
      expect(view.stacks.flatMap((s) => s.frames).flatMap((f) => f.warnings)).toEqual([]);
      expect(moduleFrame?.locations[0]).toMatchObject({ file: `${module}/${module}.c`, line });
      expect(view.guilty?.location).toMatchObject({ file: `${module}/${module}.c`, line });
      const guilty = view.stacks[view.guilty!.stack]!.frames[view.guilty!.frame]!;
      expect(guilty.excerpt?.focusLine).toBe(line);
      expect(renderText(view).split('\n').filter((l) => [...l].length > 80)).toEqual([]);

      const dis = view.disassembly;
      expect(dis, 'the guilty function is disassembled').toBeDefined();
      const marked = dis!.lines.findIndex((l) => l.kind === 'insn' && l.marked);
      expect(marked).toBeGreaterThanOrEqual(0);
      const sourceAbove = dis!.lines.slice(0, marked).reverse().find((l) => l.kind === 'source');
      expect(sourceAbove).toMatchObject({ file: `${module}/${module}.c`, line });
    });
  }

  // crash loaded no module symbols: it names the module's init text `_MODULE_INIT_START_null_pointer`.
  for (const { file, module } of sessions) {
    it(`${file}: bt and bt -l blame ${module}/${module}.c:${crashHereLine(module)} through the module's init region`, async () => {
      const { views } = await generateReport({ text: readFileSync(path.join(repoRoot, file), 'utf8'), source: file, root: modulesDir, modules: [modulesDir] });
      const backtraces = views.filter((v) => v.stacks.some((s) => s.frames.some((f) => f.label.startsWith(`_MODULE_INIT_START_${module}+`))));
      expect(backtraces.length).toBeGreaterThanOrEqual(2);
      for (const view of backtraces) {
        expect(view.guilty?.location).toMatchObject({ file: `${module}/${module}.c`, line: crashHereLine(module) });
        expect(view.guilty?.reason).toBe('the faulting instruction');
      }
    });
  }

  it('inline_helper: the chain names both inline helpers and the function they are inlined into', async () => {
    const view = await reportOf('examples/oopses/inline_helper.log');
    const guilty = view.stacks[view.guilty!.stack]!.frames[view.guilty!.frame]!;
    expect(guilty.locations.map((l) => [l.function, l.inlined])).toEqual([
      ['stats_add', true],
      ['stats_record', true],
      ['inline_helper_count', false],
    ]);
    expect(renderText(view)).toMatch(/^inlined: stats_add \(inline_helper\.c:22\) ← stats_record \(inline_helper\.c:\d+\) ←\s+inline_helper_count \(inline_helper\.c:\d+\)$/m);
  });

  it('null_pointer: the faulting instruction writes through RAX, and RAX is 0 in the report', async () => {
    const view = await reportOf('examples/oopses/null_pointer.log');
    expect(view.disassembly?.marked).toMatch(/^movb\s+\$0x1,\(%rax\)$/);
    expect(view.disassembly?.registers).toEqual([{ name: 'RAX', value: '0000000000000000' }]);
  });

  it('timer_crash: the trace runs through the timer softirq, inside <IRQ>', async () => {
    const view = await reportOf('examples/oopses/timer_crash.log');
    const irq = view.stacks.find((s) => s.context === 'irq' || s.context === 'softirq');
    expect(irq?.frames.map((f) => f.label)).toContain('call_timer_fn+0x27/0x130');
  });

  it.skipIf(!existsSync(path.join(examples, 'oopses', 'hello.log')))('hello: a clean load and unload holds no crash report', async () => {
    const { views } = await generateReport({ text: readFileSync(path.join(examples, 'oopses', 'hello.log'), 'utf8'), source: 'hello.log' });
    expect(views).toEqual([]);
  });
});

describe('without vmlinux', () => {
  it('resolves the module frames and says plainly that kernel frames are by definition only, and how to get debug info', async () => {
    const view = await reportOf('examples/oopses/null_pointer.log');
    const notice = view.notices.join('\n');
    expect(notice).toMatch(/kernel's own frames are shown by their definition only/);
    expect(notice).toContain('apt install linux-image-6.1.0-53-cloud-amd64-dbg');
    expect(notice).toContain('debuginfod-find');
    const moduleFrame = view.stacks.flatMap((s) => s.frames).find((f) => f.label.includes('[null_pointer]'));
    expect(moduleFrame?.provenance).toBe('dwarf');
    // Wrapped to 80 columns in the text report: read it with the line breaks undone.
    expect(renderText(view).replace(/\n +/g, ' ')).toContain('apt install linux-image-6.1.0-53-cloud-amd64-dbg');
  });

  it('shows a kernel frame by its indexed definition, marked as such, with its callers and source', async () => {
    const tree = mkdtempSync(path.join(os.tmpdir(), 'crashnav-tree-'));
    mkdirSync(path.join(tree, 'init'));
    writeFileSync(path.join(tree, 'init', 'main.c'), 'int __init_or_module do_one_initcall(initcall_t fn)\n{\n\treturn fn();\n}\n');
    mkdirSync(path.join(tree, 'kernel'));
    writeFileSync(path.join(tree, 'kernel', 'module.c'), 'static int do_init_module(struct module *mod)\n{\n\treturn do_one_initcall(mod->init);\n}\n');
    const log = 'examples/oopses/null_pointer.log';
    const { views } = await generateReport({
      text: readFileSync(path.join(repoRoot, log), 'utf8'),
      source: log,
      root: tree,
      db: path.join(tree, 'index.db'),
      buildIndex: true,
      modules: [modulesDir],
    });
    const frame = views[0]!.stacks.flatMap((s) => s.frames).find((f) => f.label.startsWith('do_one_initcall+'));
    expect(frame?.provenance).toBe('index');
    expect(frame?.locations).toEqual([]);
    expect(frame?.definition).toMatchObject({ file: 'init/main.c', line: 1 });
    expect(frame?.callers.map((c) => [c.function, c.location.file, c.location.line])).toEqual([['do_init_module', 'kernel/module.c', 3]]);
    expect(frame?.excerpt?.focusLine).toBe(1);
    expect(renderText(views[0]!)).toContain('defined at init/main.c:1 (by name; no debug info)');
  });
});
