// Reading source files for hovers and snippets, only from inside the source roots: a path from a report, a
// DWARF line table or a client is checked (after resolving symlinks) before a single byte is read.
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';

const cacheSize = 64;

export class SourceFiles {
  private readonly realRoots: string[];
  private readonly cache = new Map<string, { mtimeMs: number; lines: string[] }>();

  constructor(readonly roots: readonly string[]) {
    this.realRoots = roots.map((r) => {
      try {
        return realpathSync(r);
      } catch {
        return path.resolve(r);
      }
    });
  }

  /** True when `file` lies under a source root, symlinks resolved (a missing file is judged by its path). */
  contains(file: string): boolean {
    let real: string;
    try {
      real = realpathSync(file);
    } catch {
      real = path.resolve(file);
    }
    return this.realRoots.some((root) => real === root || real.startsWith(root.endsWith(path.sep) ? root : root + path.sep));
  }

  /** The root `file` lies under (the longest one), as configured. */
  rootOf(file: string): string | undefined {
    const resolved = path.resolve(file);
    return [...this.roots]
      .sort((a, b) => b.length - a.length)
      .find((root) => resolved === root || resolved.startsWith(root.endsWith(path.sep) ? root : root + path.sep));
  }

  /** The file's lines, or undefined when it is outside the roots, missing or unreadable. */
  lines(file: string): string[] | undefined {
    if (!this.contains(file)) return undefined;
    let mtimeMs: number;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) return undefined;
      mtimeMs = stat.mtimeMs;
    } catch {
      return undefined;
    }
    const cached = this.cache.get(file);
    if (cached && cached.mtimeMs === mtimeMs) {
      this.cache.delete(file);
      this.cache.set(file, cached);
      return cached.lines;
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    const lines = text.split(/\r?\n/);
    this.cache.set(file, { mtimeMs, lines });
    if (this.cache.size > cacheSize) this.cache.delete(this.cache.keys().next().value!);
    return lines;
  }
}
