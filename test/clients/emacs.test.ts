// End to end with real Emacs (batch) and eglot through clients/emacs/crashnav.el: kernel-crash-mode for
// `*.oops`, the eglot entry that starts `crashnav lsp --stdio`, and xref definitions/references answered on a
// crash frame and in a C file.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FixtureTree, writeFixtureTree } from '../server/fixture-tree.js';
import { ensureBuilt, repoRoot } from '../server/lsp-client.js';

const probe = spawnSync('emacs', ['--batch', '--eval', "(progn (require 'eglot) (princ \"eglot\"))"], { encoding: 'utf8' });
const haveEmacs = probe.status === 0 && probe.stdout.includes('eglot');
if (!haveEmacs) console.warn('emacs: emacs with eglot is not installed (Debian: apt install emacs-nox elpa-eglot); the Emacs test skips');
const lab = path.resolve(repoRoot, '../shared/crashes/lab');
const haveLab = existsSync(path.join(lab, 'runs/a_nullwrite/console.log'));
if (!haveLab) console.warn(`emacs: ${lab} is absent; the Emacs test skips`);

const elisp = (s: string) => JSON.stringify(s);

let tree: FixtureTree;

/** Runs Emacs on `file` with point after `needle`, printing `DEF path:line` and `REF path:line` lines. */
function runEmacs(file: string, needle: string): { mode: string; defs: string[]; refs: string[]; output: string } {
  const script = `
(add-to-list 'load-path ${elisp(path.join(repoRoot, 'clients/emacs'))})
(require 'crashnav)
(setq crashnav-command '("node" ${elisp(path.join(repoRoot, 'bin/crashnav.js'))} "lsp" "--stdio"))
(setq crashnav-settings '(:sourceRoots [${elisp(tree.root)}] :debugRoot ${elisp(path.join(tree.parent, 'no-debug'))}))
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

describe.skipIf(!haveEmacs || !haveLab)('Emacs with eglot and clients/emacs/crashnav.el', () => {
  beforeAll(() => {
    ensureBuilt();
    tree = writeFixtureTree();
  });

  afterAll(() => {
    if (tree) rmSync(tree.parent, { recursive: true, force: true });
  });

  it('a crash report opens in kernel-crash-mode and its frames answer xref', () => {
    const report = path.join(tree.parent, 'a_nullwrite.oops');
    writeFileSync(report, readFileSync(path.join(lab, 'runs/a_nullwrite/console.log')));
    const result = runEmacs(report, ' do_one_initcall+0x');
    expect(result.mode, result.output).toBe('kernel-crash-mode');
    expect(result.defs, result.output).toEqual(['init/main.c:11']);
    // eglot asks for references with the declaration included: the definition, then the call.
    expect(result.refs).toEqual(['init/main.c:11', 'kernel/module/main.c:13']);
  });

  it('a C file answers xref through the same server', () => {
    const result = runEmacs(tree.file('kernel/module/main.c'), 'do_one_initcall(m');
    expect(result.defs, result.output).toEqual(['init/main.c:11']);
    expect(result.refs).toContain('kernel/module/main.c:13');
  });
});
