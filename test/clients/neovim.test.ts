// End to end with real editors: Debian's Neovim 0.7 (headless) running clients/nvim's Lua setup against
// `crashnav lsp --stdio`, on a crash report and on a kernel C file (definition, references, call hierarchy);
// and Vim's own cscope interface through `cscopeprg` = clients/nvim/bin/crashnav-cscope (`crashnav query -l`).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureTree, writeFixtureTree } from '../server/fixture-tree.js';
import { ensureBuilt, repoRoot } from '../server/lsp-client.js';

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
}

let tree: FixtureTree;

function runNvim(steps: { file: string; needle: string; offset?: number }[], settings: unknown): { steps: StepResult[]; error?: string } {
  const out = path.join(tree.parent, `nvim-${Date.now()}.json`);
  const result = spawnSync('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `luafile ${path.join(import.meta.dirname, 'nvim-driver.lua')}`], {
    cwd: tree.root,
    encoding: 'utf8',
    timeout: 180_000,
    env: {
      ...process.env,
      CRASHNAV_NVIM_DIR: path.join(repoRoot, 'clients/nvim'),
      CRASHNAV_CMD: JSON.stringify([...cli, 'lsp', '--stdio']),
      CRASHNAV_SETTINGS: JSON.stringify(settings),
      CRASHNAV_ROOT: tree.root,
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
    tree = writeFixtureTree(haveLab ? { 'crash_nullwrite/crash_nullwrite.c': readFileSync(path.join(lab, 'modules/crash_nullwrite/crash_nullwrite.c'), 'utf8') } : {});
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
    expect(rel(initcall!.definition)).toEqual(['init/main.c:11']);
    expect(rel(initcall!.references)).toEqual(['kernel/module/main.c:13']);
    expect(initModule!.item).toBe('do_init_module');
    expect(initModule!.incoming).toEqual(['load_module']);
    expect(initModule!.outgoing).toContain('do_one_initcall');
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
