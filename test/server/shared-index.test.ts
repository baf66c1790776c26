// An index one user built, read by another who may not write it: queries answer from it, `crashnav index`
// leaves it as it is and says why, and the language server opens it read-only. The other user is real:
// the CLI runs as `nobody` through setpriv (so this part runs as root only).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../clients/cli/main.js';
import { KernelCodeIndex } from '../../server/workspace/kernel-code-index.js';
import { SourceFiles } from '../../server/workspace/source-files.js';
import { captureIo } from '../support/capture-io.js';
import { ensureBuilt, repoRoot } from './lsp-client.js';

const nobody = { uid: 65534, gid: 65534 };
const haveSetpriv = spawnSync('setpriv', ['--version']).status === 0;
const isRoot = process.getuid?.() === 0;
const cli = path.join(repoRoot, 'bin/crashnav.js');

let parent: string;
let root: string;
let db: string;
let home: string;

const digest = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The CLI as `nobody`, with a home of its own (setpriv keeps the environment, and root's home is not theirs). */
function asNobody(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, cli, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: home },
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function indexAsMe(): Promise<void> {
  const io = captureIo();
  expect(await main(['index', '--quiet', '--root', root], io.io)).toBe(0);
}

beforeAll(() => {
  // Under /tmp itself: the suite's own temp root is private to this user, and nobody must reach the tree.
  parent = mkdtempSync('/tmp/crashnav-shared-');
  chmodSync(parent, 0o755);
  root = path.join(parent, 'linux');
  mkdirSync(path.join(root, 'kernel'), { recursive: true });
  writeFileSync(path.join(root, 'kernel/a.c'), 'int foo(int x)\n{\n\treturn x;\n}\n\nint bar(void)\n{\n\treturn foo(1);\n}\n');
  db = path.join(root, '.crashnav/index.db');
  home = path.join(parent, 'home');
  mkdirSync(home);
});

afterAll(() => {
  if (parent) rmSync(parent, { recursive: true, force: true });
});

describe.skipIf(!isRoot || !haveSetpriv)('as another user (nobody, through setpriv)', () => {
  beforeAll(async () => {
    ensureBuilt();
    chownSync(home, nobody.uid, nobody.gid);
    await indexAsMe();
    // Root's index in a directory nobody may only read, as a shared tree's would be.
    chmodSync(db, 0o444);
    chmodSync(path.dirname(db), 0o555);
  });

  it('queries the index read-only', () => {
    const r = asNobody(['query', '-3', 'foo']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('kernel/a.c bar 8 return foo(1);\n');
    expect(r.status).toBe(0);
  });

  it("`index` leaves root's index as it is, says why and suggests --db; also in a directory nobody may write", () => {
    const before = digest(db);
    const expected = `crashnav index: ${db}: it belongs to user root (uid 0), not to you, so it is left as it is (queries still read it); give --db FILE to build an index of your own\n`;
    let r = asNobody(['index']);
    expect(r.stderr).toBe(expected);
    expect(r.status).toBe(1);
    // The case: a directory the other user may write, where the index used to be deleted and rebuilt.
    chmodSync(path.dirname(db), 0o777);
    try {
      r = asNobody(['index']);
      expect(r.stderr).toBe(expected);
    } finally {
      chmodSync(path.dirname(db), 0o555);
    }
    expect(digest(db)).toBe(before);
    expect(asNobody(['query', '-1', 'foo']).stdout).toBe('kernel/a.c foo 1 int foo(int x)\n');
  });

  it('`index --db` builds an index of their own, which their queries read', () => {
    const own = path.join(home, 'linux.db');
    const r = asNobody(['index', '--quiet', '--db', own]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(asNobody(['query', '--db', own, '-3', 'foo']).stdout).toBe('kernel/a.c bar 8 return foo(1);\n');
  });
});

describe.skipIf(!isRoot)("the server on another user's index (as root: the index chowned to nobody)", () => {
  it('answers from it and never updates it', async () => {
    const tree = path.join(parent, 'theirs');
    mkdirSync(path.join(tree, 'kernel'), { recursive: true });
    writeFileSync(path.join(tree, 'kernel/a.c'), 'int foo(int x)\n{\n\treturn x;\n}\n');
    const io = captureIo();
    expect(await main(['index', '--quiet', '--root', tree], io.io)).toBe(0);
    const theirs = path.join(tree, '.crashnav/index.db');
    chownSync(theirs, nobody.uid, nobody.gid);
    // A changed file an update would re-index.
    writeFileSync(path.join(tree, 'kernel/a.c'), 'int foo(int x)\n{\n\treturn x;\n}\nint baz(void) { return 0; }\n');
    const before = digest(theirs);
    const logs: string[] = [];
    const index = new KernelCodeIndex({ root: tree, sources: new SourceFiles([tree]), log: (m) => logs.push(m) });
    try {
      expect(index.database).toBe(theirs);
      expect(index.readOnly).toBe('it belongs to user nobody (uid 65534), not to you');
      await index.update(() => {}, new AbortController().signal);
      index.updateFile(path.join(tree, 'kernel/a.c'), 'int qux(void) { return 1; }\n');
      expect(index.definitions('foo', 'x86').map((d) => `${path.relative(tree, d.file)}:${d.line}`)).toEqual(['kernel/a.c:1']);
      expect(index.definitions('baz', 'x86')).toEqual([]);
      expect(index.definitions('qux', 'x86')).toEqual([]);
      expect(logs).toEqual([`${theirs}: it belongs to user nobody (uid 65534), not to you; answering from it as it is, without updating it`]);
    } finally {
      index.close();
    }
    expect(digest(theirs)).toBe(before);
    expect(existsSync(`${theirs}-wal`)).toBe(false);
  });
});
