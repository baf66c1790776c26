// Which C files the VS Code extension sends to the server: only kernel trees (by shape or an existing index)
// and configured source roots, unless crashnav.server.cFiles widens it to all.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cFileSelectors, isKernelTree } from '../../clients/vscode/src/c-files.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'crashnav-vscode-cfiles-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function tree(name: string, files: string[]): string {
  const root = path.join(scratch, name);
  for (const file of files) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), '');
  }
  return root;
}

const kernel = tree('linux', ['MAINTAINERS', 'Kbuild', 'arch/x86/Kbuild', 'init/main.c']);
const indexed = tree('indexed', ['.crashnav/index.db', 'lib/a.c']);
const project = tree('project', ['Makefile', 'main.c']);
const halfKernel = tree('half', ['MAINTAINERS', 'src/x.c']);

describe('isKernelTree', () => {
  it('takes MAINTAINERS + Kbuild + arch/, or an existing crashnav index; not a C project or a lone MAINTAINERS', () => {
    expect([kernel, indexed, project, halfKernel].map(isKernelTree)).toEqual([true, true, false, false]);
  });
});

describe('cFileSelectors', () => {
  it('selects C files under kernel-shaped folders and configured source roots only', () => {
    const configured = path.join(scratch, 'elsewhere');
    expect(cFileSelectors('kernelTrees', [kernel, project, indexed], [configured])).toEqual([
      { scheme: 'file', language: 'c', pattern: `${configured}/**` },
      { scheme: 'file', language: 'c', pattern: `${kernel}/**` },
      { scheme: 'file', language: 'c', pattern: `${indexed}/**` },
    ]);
  });

  it('selects no C file in a plain C project, by default', () => {
    expect(cFileSelectors(undefined, [project], [])).toEqual([]);
  });

  it('names a root once when it is both a folder and a source root', () => {
    expect(cFileSelectors('kernelTrees', [kernel], [kernel])).toHaveLength(1);
  });

  it('selects every C file with cFiles "all"', () => {
    expect(cFileSelectors('all', [project], [])).toEqual([{ scheme: 'file', language: 'c' }]);
  });
});
