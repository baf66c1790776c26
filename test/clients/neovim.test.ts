// End to end with real editors: Debian's Neovim 0.7 (headless) loading the repository as a plugin with
// :packadd and running its setup against `crashnav lsp --stdio`, on a crash report and on a kernel C file
// (definition, references, call hierarchy); a lab oops saved as `console.log` with Debian's vmlinux-dbg and
// the example module's .ko (built in another directory); and Vim's own cscope interface through
// `cscopeprg` = clients/nvim/bin/crashnav-cscope. The plugin's layout, help file, :checkhealth and the
// 0.11 path are in neovim-plugin.test.ts.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureTree, writeFixtureTree } from '../server/fixture-tree.js';
import { ensureBuilt, repoRoot } from '../server/lsp-client.js';
import { kernelMarkers, packPath } from './nvim-plugin.js';

const nvimVersion = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
const haveNvim = nvimVersion.status === 0;
if (!haveNvim) console.warn('neovim: `nvim` is not installed (Debian: apt install neovim); the editor tests skip');
const lab = path.resolve(repoRoot, '../shared/crashes/lab');
const haveLab = existsSync(path.join(lab, 'runs/a_nullwrite/console.log'));
if (!haveLab) console.warn(`neovim: ${lab} is absent; the crash-report step skips`);

const cli = ['node', path.join(repoRoot, 'bin/crashnav.js')];

interface StepResult {
  file: string;
  filetype: string;
  definition: string[] | string;
  references: string[] | string;
  item?: string;
  incoming?: string[];
  outgoing?: string[];
  root?: string;
  attached?: boolean;
}

let tree: FixtureTree;

function runNvim(
  steps: { file: string; needle: string; offset?: number; no_client?: boolean }[],
  settings: unknown,
  where: { root: string; parent: string } = tree,
): { steps: StepResult[]; error?: string } {
  const out = path.join(where.parent, `nvim-${Date.now()}.json`);
  const result = spawnSync('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `luafile ${path.join(import.meta.dirname, 'nvim-driver.lua')}`], {
    cwd: where.root,
    encoding: 'utf8',
    timeout: 180_000,
    env: {
      ...process.env,
      CRASHNAV_PACK: packPath(where.parent),
      CRASHNAV_CMD: JSON.stringify([...cli, 'lsp', '--stdio']),
      CRASHNAV_SETTINGS: JSON.stringify(settings),
      CRASHNAV_STEPS: JSON.stringify(steps),
      CRASHNAV_OUT: out,
    },
  });
  if (!existsSync(out)) throw new Error(`nvim wrote no result (status ${result.status}): ${result.stderr}${result.stdout}`);
  return JSON.parse(readFileSync(out, 'utf8')) as { steps: StepResult[]; error?: string };
}

const rel = (places: string[] | string) => (Array.isArray(places) ? places.map((p) => path.relative(tree.root, p)) : places);

describe.skipIf(!haveNvim)('Neovim 0.7 with clients/nvim', () => {
  beforeAll(() => {
    ensureBuilt();
    tree = writeFixtureTree({
      ...kernelMarkers,
      ...(haveLab ? { 'crash_nullwrite/crash_nullwrite.c': readFileSync(path.join(lab, 'modules/crash_nullwrite/crash_nullwrite.c'), 'utf8') } : {}),
    });
    console.log(`neovim: ${nvimVersion.stdout.split('\n')[0]}`);
  });

  afterAll(() => {
    if (tree) rmSync(tree.parent, { recursive: true, force: true });
  });

  it('navigates a kernel C file: definition, references, call hierarchy', () => {
    const result = runNvim([{ file: tree.file('kernel/module/main.c'), needle: 'do_init_module(struct', offset: 2 }], {});
    expect(result.error).toBeUndefined();
    const [step] = result.steps;
    expect(step!.filetype).toBe('c');
    // The root is the kernel tree around the file (MAINTAINERS), not the current directory.
    expect(step!.root).toBe(tree.root);
    expect(rel(step!.definition)).toEqual(['kernel/module/main.c:8']);
    expect(rel(step!.references)).toEqual(['kernel/module/main.c:20']);
    expect(step!.item).toBe('do_init_module');
    expect(step!.incoming).toEqual(['load_module']);
    expect(step!.outgoing).toContain('do_one_initcall');
  });

  it.skipIf(!haveLab)('navigates a crash report (kernel-crash filetype): frame to definition, callers, hierarchy', () => {
    const report = path.join(tree.parent, 'reports/a_nullwrite.oops');
    mkdirSync(path.dirname(report), { recursive: true });
    writeFileSync(report, readFileSync(path.join(lab, 'runs/a_nullwrite/console.log')));
    // An empty debug root: without a vmlinux the frame resolves to the function's definition in the tree.
    const result = runNvim(
      [
        { file: report, needle: ' do_one_initcall+0x59', offset: 2 },
        { file: report, needle: ' do_init_module+0x4a', offset: 2 },
      ],
      { debugRoot: path.join(tree.parent, 'no-debug') },
    );
    expect(result.error).toBeUndefined();
    const [initcall, initModule] = result.steps;
    expect(initcall!.filetype).toBe('kernel-crash');
    // A report outside the tree is rooted at the kernel tree Neovim was started in.
    expect(initcall!.root).toBe(tree.root);
    expect(rel(initcall!.definition)).toEqual(['init/main.c:11']);
    expect(rel(initcall!.references)).toEqual(['kernel/module/main.c:13']);
    expect(initModule!.item).toBe('do_init_module');
    expect(initModule!.incoming).toEqual(['load_module']);
    expect(initModule!.outgoing).toContain('do_one_initcall');
  });
  it('leaves a C file outside every kernel tree and source root to other servers', () => {
    const elsewhere = mkdtempSync(path.join(os.tmpdir(), 'crashnav-nvim-project-'));
    try {
      mkdirSync(path.join(elsewhere, 'src'));
      writeFileSync(path.join(elsewhere, 'src/hello.c'), 'int main(void)\n{\n\treturn 0;\n}\n');
      const result = runNvim([{ file: path.join(elsewhere, 'src/hello.c'), needle: 'main', no_client: true }], {}, { root: elsewhere, parent: elsewhere });
      expect(result.error).toBeUndefined();
      expect(result.steps[0]).toMatchObject({ filetype: 'c', attached: false });
      expect(existsSync(path.join(elsewhere, '.crashnav'))).toBe(false);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('recognises crash text in log files by content: console.log, messages, dmesg.<date>, kern.log', () => {
    const oops = readFileSync(path.join(repoRoot, 'examples/oopses/null_pointer.log'), 'utf8');
    // A tree of its own, indexed by this run only.
    const own = writeFixtureTree(kernelMarkers);
    const logs = path.join(own.parent, 'logs');
    mkdirSync(logs, { recursive: true });
    const write = (name: string, text: string) => {
      writeFileSync(path.join(logs, name), text);
      return path.join(logs, name);
    };
    // A long-running machine's log: the oops comes after more lines than the editor looks at.
    const noise = Array.from({ length: 6000 }, (_, i) => `[${(100 + i).toFixed(6).padStart(12)}] usb 1-1: new device ${i}`).join('\n');
    const steps = [write('console.log', oops), write('messages', oops), write('dmesg.202612041200', oops), write('kern.log', `${noise}\n${oops}`)];
    let result: { steps: StepResult[]; error?: string };
    try {
      result = runNvim(
        steps.map((file) => ({ file, needle: ' do_one_initcall+0x59', offset: 2 })),
        { debugRoot: path.join(own.parent, 'no-debug') },
        own,
      );
    } finally {
      rmSync(own.parent, { recursive: true, force: true });
    }
    expect(result.error).toBeUndefined();
    expect(result.steps.map((s) => [path.basename(s.file), s.filetype])).toEqual([
      ['console.log', 'kernel-crash'],
      ['messages', 'kernel-crash'],
      ['dmesg.202612041200', 'kernel-crash'],
      // Past the editor's look: no kernel-crash highlighting, but the server, attached to every log, decides.
      ['kern.log', ''],
    ]);
    const inTree = (places: string[] | string) => (Array.isArray(places) ? places.map((p) => path.relative(own.root, p)) : places);
    expect(result.steps.map((s) => [path.basename(s.file), inTree(s.definition)])).toEqual(steps.map((file) => [path.basename(file), ['init/main.c:11']]));
  });
});

const cache = path.join(os.homedir(), '.cache/crashnav');
const debugRoot = path.join(cache, 'pkg/dbg/usr/lib/debug');
const vmlinux = path.join(debugRoot, 'boot/vmlinux-6.1.0-53-cloud-amd64');
const linuxSource = path.join(cache, 'linux-source-6.1.187-1');
const moduleSource = path.join(repoRoot, 'examples/modules/null_pointer/null_pointer.c');
const missingDebian = [
  [vmlinux, 'linux-image-6.1.0-53-cloud-amd64-dbg (scripts/fetch-debian.sh dbg)'],
  [path.join(linuxSource, 'init/main.c'), 'linux-source-6.1 (scripts/fetch-debian.sh source)'],
].filter(([file]) => !existsSync(file!));
if (haveNvim && missingDebian.length > 0) console.warn(`neovim: the console.log step skips, missing ${missingDebian.map(([, what]) => what).join(', ')}`);

describe.skipIf(!haveNvim || missingDebian.length > 0)('Neovim 0.7 on a lab oops saved as console.log, with the Debian vmlinux-dbg', () => {
  let debian: { root: string; parent: string };
  let result: { steps: StepResult[]; error?: string };
  const faultingLine = readFileSync(moduleSource, 'utf8').split('\n').findIndex((l) => l.includes('CRASH HERE')) + 1;

  beforeAll(() => {
    ensureBuilt();
    const parent = mkdtempSync(path.join(os.tmpdir(), 'crashnav-nvim-debian-'));
    debian = { parent, root: path.join(parent, 'linux') };
    // The part of Debian's tree the oops's kernel frames are in, so the index builds in seconds.
    for (const dir of ['MAINTAINERS', 'Kbuild', 'init', 'kernel/module', 'arch/x86/entry', 'include/linux/init.h', 'include/linux/module.h']) {
      cpSync(path.join(linuxSource, dir), path.join(debian.root, dir), { recursive: true });
    }
    const log = path.join(parent, 'logs/console.log');
    mkdirSync(path.dirname(log));
    cpSync(path.join(repoRoot, 'examples/oopses/null_pointer.log'), log);
    result = runNvim(
      [
        { file: log, needle: ' do_one_initcall+0x59', offset: 2 },
        // The oops's RIP line, not the copy the kernel prints again after `end trace`.
        { file: log, needle: '2.617616] RIP: 0010:null_pointer_init', offset: 21 },
      ],
      // The .ko's DWARF names /crashnav/examples/modules/null_pointer/null_pointer.c: built in another directory.
      { vmlinux, debugRoot, moduleDirs: [path.join(repoRoot, 'examples/modules')] },
      debian,
    );
  }, 200_000);

  afterAll(() => {
    if (debian) rmSync(debian.parent, { recursive: true, force: true });
  });

  it('console.log is a kernel-crash buffer by its content, with the server attached', () => {
    expect(result.error).toBeUndefined();
    expect(result.steps[0]!.filetype).toBe('kernel-crash');
  });

  it('definition on a kernel frame gives the call line in the source tree', () => {
    expect(result.steps[0]!.definition).toEqual([`${path.join(debian.root, 'init/main.c')}:1270`]);
    expect(result.steps[0]!.references).toContain(`${path.join(debian.root, 'kernel/module/main.c')}:2478`);
  });

  // The module was built elsewhere (its DWARF names /crashnav/examples/...): its source is found beside its .ko.
  it('definition on the module frame gives the faulting line of the module source beside its .ko', () => {
    expect(result.steps[1]!.definition).toEqual([`${moduleSource}:${faultingLine}`]);
  });
});

describe.skipIf(!haveNvim)("Vim's cscope interface through cscopeprg", () => {
  it('answers :cs find g and :cs find c from the crashnav index', () => {
    ensureBuilt();
    const small = writeFixtureTree();
    try {
      execFileSync(cli[0]!, [cli[1]!, 'index', '--root', small.root, '--quiet'], { stdio: 'pipe' });
      const out = path.join(small.parent, 'cscope.txt');
      const db = path.join(small.root, '.crashnav/index.db');
      const script = [
        `set cscopeprg=${path.join(repoRoot, 'clients/nvim/bin/crashnav-cscope')}`,
        'set cscopequickfix=s-,g-,c-,d-',
        `cs add ${db} ${small.root}`,
        'cs find g do_one_initcall',
        `call writefile([expand('%:p') . ':' . line('.')], '${out}')`,
        'cs find c do_one_initcall',
        `call writefile(map(getqflist(), {_, e -> fnamemodify(bufname(e.bufnr), ':p') . ':' . e.lnum . ':' . e.text}), '${out}', 'a')`,
        'qa!',
      ];
      const result = spawnSync('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', ...script.flatMap((c) => ['-c', c])], {
        cwd: small.root,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, CRASHNAV: cli.join(' ') },
      });
      expect(result.status).toBe(0);
      const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => path.relative(small.root, l));
      expect(lines[0]).toBe('init/main.c:11');
      expect(lines.slice(1)).toEqual(['kernel/module/main.c:13:<<do_init_module>> ret = do_one_initcall(mod->init);']);
    } finally {
      rmSync(small.parent, { recursive: true, force: true });
    }
  });
});
