// Builds the engines for one configuration: an index per source root (the kernel tree's at `database` when
// set), the frame resolver, and what is missing for every report alike, with how to provide it.
import type { Settings } from '../config.js';
import { CrashFrameResolver } from './frame-resolver.js';
import { KernelCodeIndex } from './kernel-code-index.js';
import { SourceFiles } from './source-files.js';
import { Workspace } from './workspace.js';

export interface OpenWorkspaceOptions {
  settings: Settings;
  roots: readonly string[];
  log: (message: string) => void;
}

export function openWorkspace({ settings, roots, log }: OpenWorkspaceOptions): Workspace {
  const sources = new SourceFiles(roots);
  const indexes = roots.map((root, i) => {
    const options: ConstructorParameters<typeof KernelCodeIndex>[0] = { root, sources, log };
    if (i === 0 && settings.database) options.database = settings.database;
    if (settings.arch) options.arch = settings.arch;
    return new KernelCodeIndex(options);
  });
  const resolver = new CrashFrameResolver({ settings, indexes, sources });
  const missing: string[] = [];
  if (roots.length === 0) {
    missing.push('no source tree: open the kernel tree as a workspace folder or set crashnav.sourceRoots, so frames can link to source');
  }
  return new Workspace(roots, indexes, resolver, missing);
}
