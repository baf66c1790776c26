// End to end with real Emacs 28 (batch) and eglot through clients/emacs/crashnav.el: crashnav-crash-mode
// for `*.oops`, the eglot entries that start `crashnav lsp --stdio` for reports and for C inside a kernel
// tree only (clangd keeps other projects), settings given directory-locally, xref definitions/references
// answered on a crash frame and in a C file; and the package is package-lint, checkdoc and byte-compile clean.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureTree, writeFixtureTree } from '../server/fixture-tree.js';
import { ensureBuilt, repoRoot } from '../server/lsp-client.js';
import { kernelMarkers } from './nvim-plugin.js';

const probe = spawnSync('emacs', ['--batch', '--eval', "(progn (require 'eglot) (princ \"eglot\"))"], { encoding: 'utf8' });
const haveEmacs = probe.status === 0 && probe.stdout.includes('eglot');
if (!haveEmacs) console.warn('emacs: emacs with eglot is not installed (Debian: apt install emacs-nox elpa-eglot); the Emacs test skips');
const lab = path.resolve(repoRoot, '../shared/crashes/lab');
const haveLab = existsSync(path.join(lab, 'runs/a_nullwrite/console.log'));
if (!haveLab) console.warn(`emacs: ${lab} is absent; the Emacs test skips`);

const havePackageLint = haveEmacs && spawnSync('emacs', ['--batch', '--eval', "(progn (require 'package) (package-initialize) (require 'package-lint))"]).status === 0;
if (haveEmacs && !havePackageLint) console.warn('emacs: package-lint is not installed (Debian: apt install elpa-package-lint); the lint test skips');
const elisp = (s: string) => JSON.stringify(s);
const crashnavEl = path.join(repoRoot, 'clients/emacs/crashnav.el');

/** Runs `forms` in batch Emacs with crashnav loaded; returns stdout and stderr. */
function emacsEval(forms: string, cwd: string, env: Record<string, string> = {}): { stdout: string; output: string } {
  const scriptFile = path.join(cwd, `eval-${Date.now()}.el`);
  writeFileSync(scriptFile, `(add-to-list 'load-path ${elisp(path.dirname(crashnavEl))})\n(require 'crashnav)\n${forms}\n(kill-emacs 0)\n`);
  const result = spawnSync('emacs', ['--batch', '-l', scriptFile], { encoding: 'utf8', timeout: 60_000, cwd, env: { ...process.env, ...env } });
  return { stdout: result.stdout, output: `${result.stdout}\n${result.stderr}` };
}

let tree: FixtureTree;

/** Runs Emacs on `file` with point after `needle`, printing `DEF path:line` and `REF path:line` lines. */
function runEmacs(file: string, needle: string, settings = true): { mode: string; defs: string[]; refs: string[]; output: string } {
  const script = `
(add-to-list 'load-path ${elisp(path.join(repoRoot, 'clients/emacs'))})
(require 'crashnav)
(setq crashnav-command '("node" ${elisp(path.join(repoRoot, 'bin/crashnav.js'))} "lsp" "--stdio"))
${settings ? `(crashnav-set-directory-settings ${elisp(tree.parent)} '(:sourceRoots [${elisp(tree.root)}] :debugRoot ${elisp(path.join(tree.parent, 'no-debug'))}))` : ''}
(setq eglot-sync-connect t eglot-connect-timeout 60)
(find-file ${elisp(file)})
(princ (format "MODE %s\\n" major-mode))
(apply #'eglot (eglot--guess-contact))
(let ((deadline (+ (float-time) 60)))
  (while (and (< (float-time) deadline)
              (let ((indexes (plist-get (jsonrpc-request (eglot-current-server) :crashnav/status nil) :indexes)))
                (or (= (length indexes) 0)
                    (seq-some (lambda (i) (or (eq (plist-get i :indexing) t) (= (plist-get i :files) 0))) indexes))))
    (sleep-for 0.1)))
(goto-char (point-min))
(search-forward ${elisp(needle)})
(backward-char 2)
(dolist (item (xref-backend-definitions 'eglot "at point"))
  (let ((loc (xref-item-location item)))
    (princ (format "DEF %s:%s\\n" (xref-location-group loc) (xref-location-line loc)))))
(dolist (item (xref-backend-references 'eglot "at point"))
  (let ((loc (xref-item-location item)))
    (princ (format "REF %s:%s\\n" (xref-location-group loc) (xref-location-line loc)))))
(crashnav-disassemble)
(princ (format "GLOBAL-CONFIG %S\\n" (default-value 'eglot-workspace-configuration)))
(kill-emacs 0)
`;
  const scriptFile = path.join(tree.parent, `drive-${Date.now()}.el`);
  writeFileSync(scriptFile, script);
  const result = spawnSync('emacs', ['--batch', '-l', scriptFile], { encoding: 'utf8', timeout: 120_000, cwd: tree.root });
  const output = `${result.stdout}\n${result.stderr}`;
  const pick = (tag: string) =>
    result.stdout
      .split('\n')
      .filter((l) => l.startsWith(`${tag} `))
      .map((l) => path.relative(tree.root, l.slice(tag.length + 1)));
  return { mode: /MODE (\S+)/.exec(result.stdout)?.[1] ?? '', defs: pick('DEF'), refs: pick('REF'), output };
}

describe.skipIf(!haveEmacs)('clients/emacs/crashnav.el as a package', () => {
  let dir: FixtureTree;
  beforeAll(() => {
    dir = writeFixtureTree(kernelMarkers);
    mkdirSync(path.join(dir.parent, 'project'));
    writeFileSync(path.join(dir.parent, 'project/hello.c'), 'int main(void)\n{\n\treturn 0;\n}\n');
  });
  afterAll(() => {
    if (dir) rmSync(dir.parent, { recursive: true, force: true });
  });

  it('serves C inside a kernel tree only: another project keeps the next server (clangd)', () => {
    const contact = (file: string) => `(with-current-buffer (find-file-noselect ${elisp(file)})
  (princ (format "CONTACT %s %S\\n" ${elisp(path.basename(file))} (nth 3 (eglot--guess-contact)))))`;
    // A clangd on PATH, so eglot's own entry for C (clangd or ccls, whichever is installed) has an answer.
    const bin = path.join(dir.parent, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'clangd'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
    const { stdout, output } = emacsEval([contact(dir.file('kernel/module/main.c')), contact(path.join(dir.parent, 'project/hello.c'))].join('\n'), dir.parent, {
      PATH: `${bin}:${process.env.PATH}`,
    });
    const contacts = Object.fromEntries([...stdout.matchAll(/^CONTACT (\S+) (.*)$/gm)].map((m) => [m[1], m[2]]));
    expect(contacts['main.c'], output).toMatch(/^\("crashnav" "lsp" "--stdio" :initializationOptions/);
    expect(contacts['hello.c'], output).toBe(`("${path.join(bin, 'clangd')}")`);
  });

  it('kernel-crash-mode is an obsolete alias of crashnav-crash-mode; no global eglot settings are set', () => {
    const { stdout, output } = emacsEval(
      `(add-hook 'kernel-crash-mode-hook (lambda () (princ "OLD-HOOK ran\\n")))
(with-temp-buffer (kernel-crash-mode) (princ (format "MODE %s\\n" major-mode)))
(princ (format "OBSOLETE %S\\n" (get 'kernel-crash-mode 'byte-obsolete-info)))
(princ (format "GLOBAL-CONFIG %S\\n" (default-value 'eglot-workspace-configuration)))
(princ (format "REPORT %S\\n" (assoc-default "/var/crash/vmcore-dmesg.txt" auto-mode-alist #'string-match)))`,
      dir.parent,
    );
    expect(stdout, output).toContain('MODE crashnav-crash-mode');
    expect(stdout).toContain('OLD-HOOK ran');
    expect(stdout).toMatch(/OBSOLETE \(crashnav-crash-mode nil "0\.2\.0"\)/);
    expect(stdout).toContain('GLOBAL-CONFIG nil');
    expect(stdout).toContain('REPORT crashnav-crash-mode');
  });

  it('byte-compiles without warnings', () => {
    const copy = path.join(dir.parent, 'crashnav.el');
    copyFileSync(crashnavEl, copy);
    const result = spawnSync('emacs', ['--batch', '--eval', '(setq byte-compile-error-on-warn t)', '-f', 'batch-byte-compile', copy], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr.split('\n').filter((l) => /[Ww]arning|[Ee]rror/.test(l))).toEqual([]);
  });

  it.skipIf(!havePackageLint)('is package-lint and checkdoc clean', () => {
    const result = spawnSync('emacs', ['--batch', '-l', path.join(import.meta.dirname, 'emacs-lint.el'), crashnavEl], { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout.split('\n').filter((l) => /^(LINT|CHECKDOC) /.test(l))).toEqual([]);
  });

  it.skipIf(!havePackageLint)('the lint run finds what it should (a bad package is not clean)', () => {
    const bad = path.join(dir.parent, 'bad.el');
    writeFileSync(bad, ';;; bad.el --- x -*- lexical-binding: t; -*-\n;;; Code:\n(defun bad-fn (a)\n  "does a thing")\n');
    const result = spawnSync('emacs', ['--batch', '-l', path.join(import.meta.dirname, 'emacs-lint.el'), bad], { encoding: 'utf8' });
    expect(result.stdout).toContain('error: Package should have a Homepage or URL header.');
    expect(result.stdout).toMatch(/CHECKDOC bad\.el:4: First sentence should end with punctuation/);
  });
});

describe.skipIf(!haveEmacs || !haveLab)('Emacs with eglot and clients/emacs/crashnav.el', () => {
  beforeAll(() => {
    ensureBuilt();
    tree = writeFixtureTree(kernelMarkers);
  });

  afterAll(() => {
    if (tree) rmSync(tree.parent, { recursive: true, force: true });
  });

  it('a crash report opens in crashnav-crash-mode and its frames answer xref, settings directory-local', () => {
    const report = path.join(tree.parent, 'a_nullwrite.oops');
    writeFileSync(report, readFileSync(path.join(lab, 'runs/a_nullwrite/console.log')));
    const result = runEmacs(report, ' do_one_initcall+0x');
    expect(result.mode, result.output).toBe('crashnav-crash-mode');
    expect(result.defs, result.output).toEqual(['init/main.c:11']);
    // eglot asks for references with the declaration included: the definition, then the call.
    expect(result.refs).toEqual(['init/main.c:11', 'kernel/module/main.c:13']);
    // Without a vmlinux there is no machine code: crashnav/disassemble answered, through no private eglot API.
    expect(result.output).toContain('crashnav: nothing to disassemble here');
    expect(result.output).toContain('GLOBAL-CONFIG nil');
  });

  it('a C file of a kernel tree without version control or settings: the tree is the workspace, and indexed', () => {
    const result = runEmacs(tree.file('kernel/module/main.c'), 'do_one_initcall(m', false);
    expect(result.defs, result.output).toEqual(['init/main.c:11']);
    expect(result.output).toContain(`in project \`linux'`);
  });

  it('a C file answers xref through the same server', () => {
    const result = runEmacs(tree.file('kernel/module/main.c'), 'do_one_initcall(m');
    expect(result.defs, result.output).toEqual(['init/main.c:11']);
    expect(result.refs).toContain('kernel/module/main.c:13');
  });
});
