// Helpers for running headless Neovim on the crashnav plugin as a user's package manager would load it:
// a packpath whose pack/crashnav/opt/crashnav links to clients/nvim, loaded with :packadd.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../server/lsp-client.js';

/** Files that make a fixture tree look like a kernel tree's top, so the server and the plugin serve it. */
export const kernelMarkers: Record<string, string> = {
  MAINTAINERS: 'List of maintainers (a fixture tree)\n',
  Kbuild: 'obj-y += init/ kernel/\n',
  'arch/x86/Kbuild': 'obj-y += entry/\n',
};

/** A packpath under `dir` holding clients/nvim as the optional package `crashnav`. */
export function packPath(dir: string): string {
  const pack = path.join(dir, 'nvim-pack');
  const link = path.join(pack, 'pack/crashnav/opt/crashnav');
  if (!existsSync(link)) {
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(path.join(repoRoot, 'clients/nvim'), link);
  }
  return pack;
}

/**
 * Runs `lua` in headless Neovim after `filetype on` and `:packadd crashnav`; the script calls
 * `finish(value)` (defined for it) to hand back a JSON value and quit. Throws with Neovim's output when
 * nothing came back.
 */
export function nvimLua<T>(dir: string, lua: string, options: { cwd?: string; env?: Record<string, string> } = {}): T {
  const out = path.join(dir, `nvim-out-${Date.now()}-${Math.random().toString(36).slice(2)}.json`);
  const script = `${out}.lua`;
  writeFileSync(
    script,
    `local function finish(value)\n  vim.fn.writefile({ vim.fn.json_encode(value) }, ${JSON.stringify(out)})\n  vim.cmd('qa!')\nend\n${lua}\n`,
  );
  const result = spawnSync(
    'nvim',
    ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '--cmd', `set packpath=${packPath(dir)}`, '-c', 'filetype on', '-c', 'packadd crashnav', '-c', `luafile ${script}`],
    { cwd: options.cwd ?? dir, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...options.env } },
  );
  if (!existsSync(out)) throw new Error(`nvim wrote no result (status ${result.status}): ${result.stderr}${result.stdout}`);
  return JSON.parse(readFileSync(out, 'utf8')) as T;
}
