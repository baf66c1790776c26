// Builds the engines for one configuration: an index per source root that the user asked to index (the
// kernel tree's at `database` when set), the frame resolver, and what is missing for every report alike,
// with how to provide it.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { hasIndex } from '../../indexer/index.js';
import type { Settings } from '../config.js';
import { CrashFrameResolver } from './frame-resolver.js';
import { KernelCodeIndex } from './kernel-code-index.js';
import { SourceFiles } from './source-files.js';
import { Workspace } from './workspace.js';

export interface OpenWorkspaceOptions {
  settings: Settings;
  /** The editor's workspace folders: the source roots unless `sourceRoots` is set. */
  folders: readonly string[];
  log: (message: string) => void;
}

export function openWorkspace({ settings, folders, log }: OpenWorkspaceOptions): Workspace {
  const configured = settings.sourceRoots.length > 0;
  const roots = configured ? settings.sourceRoots : folders;
  const sources = new SourceFiles(roots);
  // A folder opened for its crash reports, or any C project, is not written into: only configured roots,
  // roots already indexed and kernel trees are.
  const indexed = roots.filter((root, i) => configured || (i === 0 && settings.database !== undefined) || hasIndex(root) || looksLikeKernelTree(root));
  const indexes = indexed.map((root) => {
    const options: ConstructorParameters<typeof KernelCodeIndex>[0] = { root, sources, log };
    if (root === roots[0] && settings.database) options.database = settings.database;
    if (settings.arch) options.arch = settings.arch;
    return new KernelCodeIndex(options);
  });
  const resolver = new CrashFrameResolver({ settings, indexes, sources });
  const missing: string[] = [];
  if (roots.length === 0) {
    missing.push('no source tree: open the kernel tree as a workspace folder or set crashnav.sourceRoots, so frames can link to source');
  }
  return new Workspace(roots, indexes, resolver, missing, roots.filter((r) => !indexed.includes(r)));
}

/**
 * A Linux tree: `arch/` beside the top-level files every release since 2.6 has (`MAINTAINERS`, `Kbuild`,
 * `Kconfig`), or beside `include/linux/` in a partial copy of one (a few directories of linux-source).
 * A module's own directory (a `Kbuild`, no `arch/`) or a C project with an `arch/` is not one.
 */
export function looksLikeKernelTree(root: string): boolean {
  const isDir = (rel: string): boolean => {
    try {
      return statSync(path.join(root, rel)).isDirectory();
    } catch {
      return false;
    }
  };
  if (!isDir('arch')) return false;
  return ['MAINTAINERS', 'Kbuild', 'Kconfig'].some((f) => existsSync(path.join(root, f))) || isDir('include/linux');
}
