// A binary's line table can name any file: a module whose DWARF says its code came from /etc/passwd must not
// get that file's lines into a report meant to be attached to a public bug. Only --root, --modules, the
// substitutions, the binaries' own directories and --allow-path are read.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/capture-io.js';

const passwd = readFileSync('/etc/passwd', 'utf8').split('\n')[0]!;

function buildModule(): { dir: string; oops: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'read-only-pointed-'));
  // gcc's #line makes the line table name /etc/passwd for the function below it.
  writeFileSync(
    path.join(dir, 'evil.c'),
    `volatile int *target;\n#line 1 "/etc/passwd"\nint evil_fn(int v)\n{\n\t*target = v;\n\treturn v + 2;\n}\n`,
  );
  execFileSync('gcc', ['-g', '-O2', '-c', '-o', path.join(dir, 'evil.ko'), path.join(dir, 'evil.c')], { stdio: 'pipe' });
  const oops = path.join(dir, 'oops.log');
  writeFileSync(
    oops,
    ['BUG: kernel NULL pointer dereference, address: 0000000000000000', 'Oops: 0002 [#1] PREEMPT SMP NOPTI', 'RIP: 0010:evil_fn+0x4/0x20 [evil]', 'Call Trace:', ' <TASK>', ' do_one_initcall+0x59/0x220', ' </TASK>', ''].join('\n'),
  );
  return { dir, oops };
}

describe('files a binary names are shown, never read', () => {
  it('report: the /etc/passwd line is named but its text is absent; --allow-path /etc lets it in', async () => {
    const { dir, oops } = buildModule();
    const closed = await runCli(['report', '--modules', dir, oops], { cwd: dir });
    expect(closed.code).toBe(0);
    expect(closed.out).toContain('/etc/passwd');
    expect(closed.out).not.toContain(passwd);
    const opened = await runCli(['report', '--modules', dir, '--allow-path', '/etc', oops], { cwd: dir });
    expect(opened.out).toContain(passwd);
  });

  it('resolve --json: the location has no readable path and says why', async () => {
    const { dir, oops } = buildModule();
    const r = await runCli(['resolve', '--json', '--modules', dir, oops], { cwd: dir });
    const frame = JSON.parse(r.out).reports[0].stacks[0].frames[0];
    expect(frame.locations[0]).toMatchObject({ file: '/etc/passwd' });
    expect(frame.locations[0].path).toBeUndefined();
    expect(frame.warnings.map((w: { code: string }) => w.code)).toContain('source-not-found');
  });
});
