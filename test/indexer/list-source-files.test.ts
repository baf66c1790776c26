// Which files of a tree are indexed: sources outside dot directories and node_modules, minus what
// `.crashnavignore` files exclude, and what `.gitignore` files exclude only in a git checkout.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSourceFiles } from '../../indexer/index.js';
import { writeTree } from './tree-fixture.js';

const tree = `=== kernel/fork.c
int fork(void);
=== kernel/.fork.c
int stray;
=== .git/objects/x.c
int git_object;
=== .pc/patch/kernel/fork.c
int quilt_copy;
=== tools/node_modules/m.c
int dep;
=== drivers/gen/regs.h
#define REG 1
=== drivers/keep.S
ENTRY(x)
=== drivers/.crashnavignore
gen/
=== .gitignore
drivers/keep.S
`;

describe.each([false, true])('listSourceFiles (blocking: %s)', (blocking) => {
  const paths = async (root: string, under?: string[]) => (await listSourceFiles(root, { under, blocking })).files.map((f) => f.path);

  it('skips dot directories, dot files and node_modules, and applies .crashnavignore; .gitignore only in a checkout', async () => {
    const root = writeTree(tree.replace('=== .git/objects/x.c\nint git_object;\n', ''));
    expect(await paths(root)).toEqual(['drivers/keep.S', 'kernel/fork.c']);
    mkdirSync(path.join(root, '.git', 'objects'), { recursive: true });
    expect(await paths(root)).toEqual(['kernel/fork.c']);
    expect(await paths(root, ['drivers'])).toEqual([]);
  });

  it('never lists what is inside .git', async () => {
    expect(await paths(writeTree(tree))).toEqual(['kernel/fork.c']);
  });
});
