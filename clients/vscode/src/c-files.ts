// Which C files the extension hands to the server. Kept free of the vscode API so a unit test can run it.
import { existsSync } from 'node:fs';
import path from 'node:path';

export type CFilesMode = 'kernelTrees' | 'all';

export interface CFileSelector {
  scheme: 'file';
  language: 'c';
  pattern?: string;
}

/** A kernel tree by its top-level shape, or a tree crashnav has already indexed. */
export function isKernelTree(dir: string): boolean {
  const has = (name: string): boolean => existsSync(path.join(dir, name));
  return (has('MAINTAINERS') && has('Kbuild') && has('arch')) || has('.crashnav/index.db');
}

/**
 * By default only C files under a kernel-shaped workspace folder or a configured source root, so opening another
 * C project leaves it to its own language server and indexes nothing; `all` widens it to every C file.
 */
export function cFileSelectors(mode: CFilesMode | undefined, workspaceFolders: string[], sourceRoots: string[]): CFileSelector[] {
  if (mode === 'all') return [{ scheme: 'file', language: 'c' }];
  const roots = [...sourceRoots, ...workspaceFolders.filter(isKernelTree)];
  return [...new Set(roots)].map((root) => ({ scheme: 'file', language: 'c', pattern: `${root}/**` }));
}
