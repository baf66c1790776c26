// Finds the text of a source file named by DWARF on this machine. DWARF names files where they were
// built (`/build/reproducible-path/linux-6.1.187/arch/x86/entry/entry_64.S`, or a path relative to a
// build directory with `..` in it); the user gives a source root and, like gdb's substitute-path,
// prefix substitutions. Tried in order: substitutions, the path itself, then the longest suffix of
// the normalised path that exists under the root.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

export interface PathSubstitution {
  from: string;
  to: string;
}

export interface SourceReaderOptions {
  root?: string;
  substitutions?: PathSubstitution[];
}

/** `FROM=TO` as given to `--subst-path`; undefined when there is no `=`. */
export function parseSubstitution(text: string): PathSubstitution | undefined {
  const eq = text.indexOf('=');
  if (eq <= 0) return undefined;
  return { from: text.slice(0, eq), to: text.slice(eq + 1) };
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

export class SourceReader {
  private readonly root: string | undefined;
  private readonly substitutions: PathSubstitution[];
  private readonly located = new Map<string, string | undefined>();
  private readonly texts = new Map<string, string[] | undefined>();

  constructor(options: SourceReaderOptions = {}) {
    this.root = options.root;
    this.substitutions = options.substitutions ?? [];
  }

  /** The local path holding the DWARF file `name`, or undefined. */
  locate(name: string): string | undefined {
    if (this.located.has(name)) return this.located.get(name);
    const found = this.search(name);
    this.located.set(name, found);
    return found;
  }

  /** Line `line` (1-based) of the DWARF file `name`, without its newline; undefined when unknown. */
  lineText(name: string, line: number): string | undefined {
    return this.lines(name)?.[line - 1];
  }

  /** All lines of the DWARF file `name`, or undefined when it cannot be found or read. */
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

  private search(name: string): string | undefined {
    const normal = path.posix.normalize(name);
    for (const { from, to } of this.substitutions) {
      if (normal.startsWith(from)) {
        const candidate = to + normal.slice(from.length);
        if (isFile(candidate)) return candidate;
      }
    }
    if (this.root === undefined) return path.isAbsolute(normal) && isFile(normal) ? normal : undefined;
    const parts = normal.split('/').filter((p) => p !== '' && p !== '.' && p !== '..');
    for (let i = 0; i < parts.length; i++) {
      const candidate = path.join(this.root, ...parts.slice(i));
      if (isFile(candidate)) return candidate;
    }
    return path.isAbsolute(normal) && isFile(normal) ? normal : undefined;
  }
}
