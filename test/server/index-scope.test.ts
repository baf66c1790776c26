// The server indexes only what the user asked for: a folder of C that is not a kernel tree is served for its
// crash reports and left untouched (one message says how to enable C navigation); a kernel-shaped tree, a
// configured source root and an already indexed folder are indexed.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../clients/cli/main.js';
import { looksLikeKernelTree } from '../../server/workspace/open-workspace.js';
import { captureIo } from '../support/capture-io.js';
import { writeFixtureTree } from './fixture-tree.js';
import { ensureBuilt, LspClient } from './lsp-client.js';

let parent: string;
let clients: LspClient[] = [];

/** A plain C project: a `Makefile`, sources, a header; nothing of a kernel tree. */
function writeCProject(name: string): string {
  const root = path.join(parent, name);
  mkdirSync(path.join(root, 'src'), { recursive: true });
  writeFileSync(path.join(root, 'Makefile'), 'all:\n\tcc -o hello src/main.c\n');
  writeFileSync(path.join(root, 'src/main.c'), '#include "util.h"\nint main(void)\n{\n\treturn util(1);\n}\n');
  writeFileSync(path.join(root, 'src/util.h'), 'static inline int util(int x) { return x; }\n');
  return root;
}

async function start(options: Parameters<typeof LspClient.start>[0]): Promise<LspClient> {
  const { client } = await LspClient.start(options);
  clients.push(client);
  return client;
}

/** Lets the server act on `initialized` and the opened file (it answers status only after both). */
async function settle(client: LspClient): Promise<{ indexes: { root: string; database: string }[]; sourceRoots: string[] }> {
  await new Promise((r) => setTimeout(r, 500));
  return client.request('crashnav/status', null);
}

beforeAll(() => {
  ensureBuilt();
  parent = mkdtempSync(path.join(os.tmpdir(), 'crashnav-scope-'));
});

afterEach(async () => {
  for (const client of clients) await client.stop();
  clients = [];
});

afterAll(() => {
  if (parent) rmSync(parent, { recursive: true, force: true });
});

describe('what the server indexes', () => {
  it('leaves a C project that is not a kernel tree untouched, and says once how to navigate it', async () => {
    const root = writeCProject('hello');
    const before = readdirSync(root, { recursive: true }).sort();
    const client = await start({ workspaceFolders: [root] });
    await client.open(path.join(root, 'src/main.c'), 'c');
    const status = await settle(client);
    expect(status.indexes).toEqual([]);
    // The folder still resolves report paths; it is only not indexed.
    expect(status.sourceRoots).toEqual([root]);
    expect(readdirSync(root, { recursive: true }).sort()).toEqual(before);
    expect(existsSync(path.join(root, '.crashnav'))).toBe(false);
    const told = client.logs.filter((l) => l.includes('is not a kernel tree'));
    expect(told).toEqual([
      `crashnav: ${root} is not a kernel tree, so its C code is not indexed (crash reports work as usual). To navigate it, add it to crashnav.sourceRoots or run 'crashnav index' in it.`,
    ]);
  });

  it('indexes a kernel-shaped tree into <root>/.crashnav/, which git is told to ignore', async () => {
    const tree = writeFixtureTree();
    try {
      const client = await start({ workspaceFolders: [tree.root] });
      const status = await client.waitForIndex();
      expect(status.indexes.map((i) => i.database)).toEqual([path.join(tree.root, '.crashnav/index.db')]);
      expect(readFileSync(path.join(tree.root, '.crashnav/.gitignore'), 'utf8')).toBe('*\n');
      expect(client.logs.some((l) => l.includes('is not a kernel tree'))).toBe(false);
    } finally {
      rmSync(tree.parent, { recursive: true, force: true });
    }
  });

  it('indexes a C project the user names in crashnav.sourceRoots', async () => {
    const root = writeCProject('configured');
    const client = await start({ workspaceFolders: [root], configuration: { sourceRoots: [root] } });
    const status = await client.waitForIndex();
    expect(status.indexes.map((i) => i.root)).toEqual([root]);
    expect(existsSync(path.join(root, '.crashnav/index.db'))).toBe(true);
  });

  it('keeps indexing a folder indexed before (by `crashnav index`)', async () => {
    const root = writeCProject('indexed-before');
    const io = captureIo();
    expect(await main(['index', '--quiet', '--root', root], io.io)).toBe(0);
    const client = await start({ workspaceFolders: [root] });
    const status = await client.waitForIndex();
    expect(status.indexes.map((i) => i.root)).toEqual([root]);
  });
});

describe('looksLikeKernelTree', () => {
  const shape = (name: string, entries: string[]): string => {
    const root = path.join(parent, 'shapes', name);
    for (const entry of entries) {
      if (entry.endsWith('/')) mkdirSync(path.join(root, entry), { recursive: true });
      else {
        mkdirSync(path.dirname(path.join(root, entry)), { recursive: true });
        writeFileSync(path.join(root, entry), '');
      }
    }
    mkdirSync(root, { recursive: true });
    return root;
  };
  const cases: Array<[string, string[], boolean]> = [
    ['a release tarball', ['MAINTAINERS', 'Kbuild', 'Kconfig', 'Makefile', 'arch/x86/', 'include/linux/'], true],
    ['a 2.6-era tree (no top-level Kbuild)', ['MAINTAINERS', 'Kconfig', 'arch/x86/'], true],
    ['a partial copy of linux-source', ['arch/x86/entry/', 'include/linux/', 'init/'], true],
    ["an out-of-tree module's directory", ['Kbuild', 'Makefile', 'mod.c'], false],
    ['a C project with an arch/ of its own', ['Makefile', 'arch/arm/', 'include/'], false],
    ['MAINTAINERS alone', ['MAINTAINERS', 'src/'], false],
    ['arch as a file', ['MAINTAINERS', 'arch'], false],
  ];
  for (const [name, entries, expected] of cases) {
    it(`${name}: ${expected ? 'a kernel tree' : 'not one'}`, () => {
      expect(looksLikeKernelTree(shape(name.replace(/\W+/g, '-'), entries))).toBe(expected);
    });
  }
});
