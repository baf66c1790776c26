// Finds the text of a source file named by DWARF on this machine, reading only where the user
// pointed. DWARF names files where they were built (`/build/reproducible-path/linux-6.1.187/arch/x86/
// entry/entry_64.S`, a path relative to a build directory with `..` in it, or `/build/mod/mod.c` of a
// module built elsewhere). Tried in order, each answer saying which rule found it:
//   substitution  `--subst-path FROM=TO`, as gdb's substitute-path (the user's explicit mapping);
//   as-is         the path itself, when it lies in an allowed directory;
//   root-suffix   the longest suffix of the normalised path that exists under a source root;
//   beside-binary the same, under the directory of each binary used (a `.ko` with its sources beside it);
//   module-dir    the same, under each module directory;
//   debuginfod    fetched by `fetch` from `/buildid/<id>/source/<path>` when nothing local has it (only an
//                 absolute DWARF name, only with a debuginfod client: never with --offline).
// Allowed directories are the source roots, the substitution targets, the module directories, the
// directory of each binary and `allowPaths`; a file elsewhere (a binary can name `/etc/passwd`) is
// never read, checked after resolving symbolic links.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DebuginfodClient } from '../debuginfod.js';
import { isFile, realPathOrResolved } from '../file-paths.js';

export interface PathSubstitution {
  from: string;
  to: string;
}

export interface SourceReaderOptions {
  /** The kernel source tree (the first of `roots`). */
  root?: string;
  /** More source trees (a module's own beside the kernel's), searched in order after `root`. */
  roots?: string[];
  substitutions?: PathSubstitution[];
  /** Module directories (`--modules`): searched by longest existing suffix. */
  moduleDirs?: string[];
  /** Binaries used (vmlinux, `.ko`): the directory of each is searched by longest existing suffix. */
  binaries?: string[];
  /** More directories whose files may be read, never searched (`--allow-path`). */
  allowPaths?: string[];
  /** Where `fetch` asks for a source nothing local has; absent: nothing is fetched. */
  debuginfod?: DebuginfodClient;
}

/** Which rule of SourceReader found a file (see the order above). */
export type SourceRule = 'substitution' | 'as-is' | 'root-suffix' | 'beside-binary' | 'module-dir' | 'debuginfod';

export interface LocatedSource {
  /** The local file. */
  path: string;
  rule: SourceRule;
  /** The directory it was found under (the substitution's target, the root, the binary's directory...). */
  base: string;
}

/** `FROM=TO` as given to `--subst-path`; undefined when there is no `=`. */
export function parseSubstitution(text: string): PathSubstitution | undefined {
  const eq = text.indexOf('=');
  if (eq <= 0) return undefined;
  return { from: text.slice(0, eq), to: text.slice(eq + 1) };
}

export class SourceReader {
  private readonly roots: string[];
  private readonly substitutions: PathSubstitution[];
  private readonly moduleDirs: string[];
  private readonly binaryDirs: string[] = [];
  private readonly allowed = new Set<string>();
  private readonly located = new Map<string, LocatedSource | undefined>();
  private readonly texts = new Map<string, string[] | undefined>();
  private readonly debuginfod: DebuginfodClient | undefined;
  /** Sources fetched from debuginfod: readable though outside every allowed directory. */
  private readonly fetched = new Set<string>();
  private readonly fetches = new Map<string, Promise<LocatedSource | undefined>>();

  constructor(options: SourceReaderOptions = {}) {
    this.debuginfod = options.debuginfod;
    this.roots = [...(options.root !== undefined ? [options.root] : []), ...(options.roots ?? [])];
    this.substitutions = options.substitutions ?? [];
    this.moduleDirs = options.moduleDirs ?? [];
    for (const dir of [...this.roots, ...this.substitutions.map((s) => s.to), ...this.moduleDirs, ...(options.allowPaths ?? [])]) {
      this.allowed.add(realPathOrResolved(dir));
    }
    for (const binary of options.binaries ?? []) this.addBinary(binary);
  }

  /** A binary used after construction (a module opened on demand): its directory is searched and allowed. */
  addBinary(binaryPath: string): void {
    const dir = path.dirname(path.resolve(binaryPath));
    if (this.binaryDirs.includes(dir)) return;
    this.binaryDirs.push(dir);
    this.allowed.add(realPathOrResolved(dir));
    // A name not found before may be found beside this binary.
    for (const [name, found] of this.located) if (found === undefined) this.located.delete(name);
  }

  /** Whether a local file may be read: it lies, symbolic links resolved, under an allowed directory, or was fetched. */
  allows(localPath: string): boolean {
    return this.allowedDirOf(localPath) !== undefined || this.fetched.has(realPathOrResolved(localPath));
  }

  /**
   * Where the DWARF file `name` of the binary with build-id `buildId` is: the local file when there is one,
   * else the one debuginfod gives (fetched once per name; a server without it leaves the name unlocated).
   */
  async fetch(name: string, buildId: string | undefined): Promise<LocatedSource | undefined> {
    const local = this.locateWithRule(name);
    if (local || !this.debuginfod || !buildId || !path.posix.isAbsolute(name)) return local;
    const key = `${buildId}\0${name}`;
    let pending = this.fetches.get(key);
    if (!pending) {
      pending = this.debuginfod.source(buildId, path.posix.normalize(name)).then(
        (file) => {
          const found: LocatedSource = { path: file.path, rule: 'debuginfod', base: path.dirname(file.path) };
          this.fetched.add(realPathOrResolved(file.path));
          this.located.set(name, found);
          return found;
        },
        () => undefined,
      );
      this.fetches.set(key, pending);
    }
    return pending;
  }

  private allowedDirOf(localPath: string): string | undefined {
    const real = realPathOrResolved(localPath);
    for (const dir of this.allowed) if (real === dir || real.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep)) return dir;
    return undefined;
  }

  /** The local path holding the DWARF file `name`, or undefined when none may be read. */
  locate(name: string): string | undefined {
    return this.locateWithRule(name)?.path;
  }

  /** Where the DWARF file `name` was found and by which rule, or undefined. */
  locateWithRule(name: string): LocatedSource | undefined {
    if (this.located.has(name)) return this.located.get(name);
    const found = this.search(name);
    this.located.set(name, found);
    return found;
  }

  /** Line `line` (1-based) of the DWARF file `name`, without its newline; undefined when unknown. */
  lineText(name: string, line: number): string | undefined {
    return this.lines(name)?.[line - 1];
  }

  /** All lines of the DWARF file `name`, or undefined when it cannot be found, may not be read, or fails to read. */
  lines(name: string): string[] | undefined {
    const local = this.locate(name);
    if (local === undefined) return undefined;
    if (!this.texts.has(local)) {
      let text: string[] | undefined;
      try {
        text = readFileSync(local, 'utf8').split(/\r?\n/);
      } catch {
        text = undefined;
      }
      this.texts.set(local, text);
    }
    return this.texts.get(local);
  }

  private search(name: string): LocatedSource | undefined {
    const normal = path.posix.normalize(name);
    const accept = (candidate: string, rule: SourceRule, base: string): LocatedSource | undefined =>
      isFile(candidate) && this.allows(candidate) ? { path: candidate, rule, base } : undefined;
    for (const { from, to } of this.substitutions) {
      if (!normal.startsWith(from)) continue;
      const found = accept(to + normal.slice(from.length), 'substitution', to);
      if (found) return found;
    }
    if (path.isAbsolute(normal) && isFile(normal)) {
      const dir = this.allowedDirOf(normal);
      if (dir !== undefined) return { path: normal, rule: 'as-is', base: dir };
    }
    const parts = normal.split('/').filter((p) => p !== '' && p !== '.' && p !== '..');
    const bySuffix = (base: string, rule: SourceRule): LocatedSource | undefined => {
      for (let i = 0; i < parts.length; i++) {
        const found = accept(path.join(base, ...parts.slice(i)), rule, base);
        if (found) return found;
      }
      return undefined;
    };
    for (const root of this.roots) {
      const found = bySuffix(root, 'root-suffix');
      if (found) return found;
    }
    for (const dir of this.binaryDirs) {
      const found = bySuffix(dir, 'beside-binary');
      if (found) return found;
    }
    for (const dir of this.moduleDirs) {
      const found = bySuffix(dir, 'module-dir');
      if (found) return found;
    }
    return undefined;
  }
}
