// The Neovim plugin as a user installs it, in Debian's Neovim 0.7 (headless): clients/nvim loaded with
// :packadd from a pack/ dir that links it, and the way lazy.nvim's documented spec loads it; the help
// file's tags; :checkhealth crashnav with and without a server, an index and a vmlinux; crash detection in
// an untitled buffer; and the 0.11 path (lsp/crashnav.lua, setup through vim.lsp.config/enable, method
// calls on the client) run against stand-ins, since no Neovim 0.11 is installable here.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureTree, writeFixtureTree } from '../server/fixture-tree.js';
import { ensureBuilt, repoRoot } from '../server/lsp-client.js';
import { kernelMarkers, nvimLua } from './nvim-plugin.js';

const haveNvim = spawnSync('nvim', ['--version']).status === 0;
if (!haveNvim) console.warn('neovim: `nvim` is not installed (Debian: apt install neovim); the plugin tests skip');

const cli = ['node', path.join(repoRoot, 'bin/crashnav.js')];
const oops = readFileSync(path.join(repoRoot, 'examples/oopses/null_pointer.log'), 'utf8');
const version = (JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

let dir: string;
let tree: FixtureTree;

describe.skipIf(!haveNvim)('the Neovim plugin in Neovim 0.7', () => {
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'crashnav-nvim-plugin-'));
    tree = writeFixtureTree(kernelMarkers);
    mkdirSync(path.join(dir, 'project'));
    writeFileSync(path.join(dir, 'project/hello.c'), 'int main(void)\n{\n\treturn 0;\n}\n');
    writeFileSync(path.join(dir, 'project/console.log'), oops);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    if (tree) rmSync(tree.parent, { recursive: true, force: true });
  });

  // lazy.nvim adds only a repository's root to 'runtimepath'; the spec in doc/crashnav.txt's config does this.
  it("lazy.nvim's subdirectory spec: 'runtimepath' plus `runtime! plugin/crashnav.lua` gives the plugin", () => {
    const doc = readFileSync(path.join(repoRoot, 'clients/nvim/doc/crashnav.txt'), 'utf8');
    expect(doc).toContain("vim.opt.rtp:append(plugin.dir .. '/clients/nvim')");
    expect(doc).toContain("vim.cmd('runtime! plugin/crashnav.lua')");
    const out = path.join(dir, 'lazy.json');
    const plugin = { dir: repoRoot };
    const run = spawnSync(
      'nvim',
      [
        '--headless', '-u', 'NONE', '-i', 'NONE', '-n',
        '-c', `lua local plugin = vim.fn.json_decode(${JSON.stringify(JSON.stringify(plugin))}); vim.opt.rtp:append(plugin.dir .. '/clients/nvim'); vim.cmd('runtime! plugin/crashnav.lua')`,
        '-c', `lua vim.fn.writefile({ vim.fn.json_encode({ attach = vim.fn.exists(':CrashnavAttach'), lsp = #vim.api.nvim_get_runtime_file('lsp/crashnav.lua', false), syntax = #vim.api.nvim_get_runtime_file('syntax/kernel-crash.vim', false) }) }, '${out}')`,
        '-c', 'qa!',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ attach: 2, lsp: 1, syntax: 1 });
  });

  it(':packadd loads commands, filetype detection, syntax and lsp/crashnav.lua, and starts no server', () => {
    const got = nvimLua<Record<string, unknown>>(
      dir,
      `finish({
        loaded = vim.g.loaded_crashnav,
        attach = vim.fn.exists(':CrashnavAttach'),
        disassemble = vim.fn.exists(':CrashnavDisassemble'),
        syntax = #vim.api.nvim_get_runtime_file('syntax/kernel-crash.vim', false),
        lsp = #vim.api.nvim_get_runtime_file('lsp/crashnav.lua', false),
        lsp_loaded = package.loaded['crashnav'] ~= nil,
        clients = #vim.lsp.get_active_clients(),
      })`,
    );
    expect(got).toEqual({ loaded: true, attach: 2, disassemble: 2, syntax: 1, lsp: 1, lsp_loaded: false, clients: 0 });
  });

  it(':helptags on doc/ is clean and every |link| in the help file has a tag', () => {
    const doc = path.join(dir, 'doc');
    cpSync(path.join(repoRoot, 'clients/nvim/doc/crashnav.txt'), path.join(doc, 'crashnav.txt'));
    const run = spawnSync('nvim', ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `helptags ${doc}`, '-c', 'qa!'], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(`${run.stdout}${run.stderr}`).not.toMatch(/E\d+/);
    const ours = readFileSync(path.join(doc, 'tags'), 'utf8').split('\n').map((l) => l.split('\t')[0]);
    expect(ours).toEqual(expect.arrayContaining(['crashnav', 'crashnav.txt', 'crashnav-setup', 'crashnav.setup()', 'crashnav-health', ':CrashnavAttach', ':CrashnavDisassemble']));
    const runtime = execFileSync('nvim', ['--headless', '-u', 'NONE', '-c', 'lua io.stdout:write(vim.env.VIMRUNTIME)', '-c', 'qa!'], { encoding: 'utf8' });
    const theirs = readFileSync(path.join(runtime, 'doc/tags'), 'utf8').split('\n').map((l) => l.split('\t')[0]);
    const links = [...readFileSync(path.join(doc, 'crashnav.txt'), 'utf8').matchAll(/\|([^|\s]+)\|/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(5);
    expect(links.filter((l) => !ours.includes(l) && !theirs.includes(l))).toEqual([]);
  });

  it('a crash pasted into an untitled buffer becomes kernel-crash; other text does not', () => {
    const got = nvimLua<string[]>(
      dir,
      `local fts = {}
      local function paste(text)
        vim.cmd('enew!')
        vim.api.nvim_buf_set_lines(0, 0, -1, false, vim.split(text, '\\n'))
      end
      paste(${JSON.stringify('dear diary\nnothing happened today\n')})
      vim.defer_fn(function()
        table.insert(fts, vim.bo.filetype)
        paste(${JSON.stringify(oops)})
        vim.defer_fn(function()
          table.insert(fts, vim.bo.filetype)
          finish(fts)
        end, 200)
      end, 200)`,
    );
    expect(got).toEqual(['', 'kernel-crash']);
  });

  interface Health {
    lines: string[];
  }
  const checkhealth = (settings: unknown, cmd: string[]) =>
    nvimLua<Health>(
      dir,
      `require('crashnav').setup({ cmd = vim.fn.json_decode(${JSON.stringify(JSON.stringify(cmd))}), settings = vim.fn.json_decode(${JSON.stringify(JSON.stringify(settings))}) })
      vim.cmd('checkhealth crashnav')
      finish({ lines = vim.api.nvim_buf_get_lines(0, 0, -1, false) })`,
      { cwd: path.join(dir, 'project') },
    ).lines.join('\n');

  it(':checkhealth crashnav reports the server and its version, the index and the vmlinux', () => {
    ensureBuilt();
    execFileSync(cli[0]!, [cli[1]!, 'index', '--root', tree.root, '--quiet'], { stdio: 'pipe' });
    const vmlinux = path.join(dir, 'vmlinux-test');
    writeFileSync(vmlinux, '');
    const report = checkhealth({ sourceRoots: [tree.root], vmlinux }, [...cli, 'lsp', '--stdio']);
    expect(report).toContain(`OK: crashnav ${version} (node ${path.join(repoRoot, 'bin/crashnav.js')} lsp --stdio)`);
    expect(report).toContain(`OK: index ${tree.root}/.crashnav/index.db`);
    expect(report).toContain(`OK: vmlinux ${vmlinux}`);
    expect(report).not.toMatch(/ERROR|WARNING/);
  });

  it(':checkhealth crashnav says what is missing and how to get it', () => {
    const report = checkhealth({ debugRoot: path.join(dir, 'no-debug') }, ['crashnav-not-installed', 'lsp', '--stdio']);
    expect(report).toContain('ERROR: `crashnav-not-installed` is not executable');
    expect(report).toContain('WARNING: no source root: C navigation is off');
    expect(report).toMatch(/WARNING: no vmlinux for \S+ under .*no-debug/);
    expect(report).toContain('apt install linux-image-');
  });

  it('the 0.11 path: lsp/crashnav.lua, setup through vim.lsp.config/enable, roots, client:request', () => {
    const got = nvimLua<Record<string, any>>(dir, readFileSync(path.join(import.meta.dirname, 'nvim-modern.lua'), 'utf8'), {
      cwd: path.join(dir, 'project'),
      env: { CRASHNAV_TREE: tree.root, CRASHNAV_ELSEWHERE: path.join(dir, 'project') },
    });
    expect(got.final).toEqual({ cmd: ['crashnav-test', 'lsp', '--stdio'], filetypes: ['kernel-crash', 'c'], root_markers: ['.crashnav', 'MAINTAINERS'] });
    expect(got.config.map((c: { name: string }) => c.name)).toEqual(['crashnav']);
    expect(got.config[0].config.settings).toEqual({ crashnav: { vmlinux: '/nonexistent/vmlinux' } });
    expect(got.enabled).toEqual(['crashnav']);
    expect(got.kernel_c).toEqual({ served: true, root: tree.root });
    expect(got.other_c).toEqual({ served: false });
    // A report outside any tree, Neovim started outside one: served, with no root.
    expect(got.log).toEqual({ served: true, root: null });
    expect(got.log_filetype).toBe('kernel-crash');
    // The log's BufRead: the plugin's attach calls vim.lsp.start once (console.log matches two patterns).
    expect(got.started).toEqual([expect.objectContaining({ name: 'crashnav', cmd: ['crashnav-test', 'lsp', '--stdio'], root: null, settings: { crashnav: { vmlinux: '/nonexistent/vmlinux' } } })]);
    expect(got.requests).toEqual([expect.objectContaining({ method: 'crashnav/disassemble' })]);
    expect(got.effective).toEqual({ cmd: ['crashnav-test', 'lsp', '--stdio'], settings: { vmlinux: '/nonexistent/vmlinux' } });
  });
});
