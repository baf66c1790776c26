// The files of a tree worth indexing: C, headers and assembly, minus `.git`, our own database directory,
// and whatever `.crashnavignore` files and, in a git checkout, `.gitignore` files exclude (at any depth,
// each relative to its directory). Outside a checkout `.gitignore` describes a repository that is not
// there: Debian's linux-source tarball carries one whose `/*` would exclude the whole tree.
import fg from 'fast-glob';
import ignore, { type Ignore } from 'ignore';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export interface SourceFile {
  /** Path relative to the root, with `/` separators. */
  path: string;
  size: number;
  mtimeMs: number;
}

export const sourcePattern = '**/*.{c,h,S}';
/** Dot directories (`.git`, our `.crashnav`, quilt's `.pc`) hold no sources of the tree: never walked. */
const alwaysSkipped = ['**/.*/**', '**/node_modules/**'];
/** A source that is a dot file is not the tree's either (the walk matches dot files for the ignore files). */
const hidden = /(^|\/)\./;

/**
 * Lists the tree's source files; `under` restricts the walk to those subdirectories of the root.
 * `blocking` walks synchronously: 0.46–0.56 s for the kernel instead of 0.82–0.87 s, with the event loop
 * held for all of it, which a command line can afford and a server cannot.
 */
export async function listSourceFiles(root: string, options: { under?: string[]; blocking?: boolean } = {}): Promise<{ files: SourceFile[]; problems: string[] }> {
  const problems: string[] = [];
  const isCheckout = existsSync(path.join(root, '.git'));
  const ignoreNames = isCheckout ? ['.gitignore', '.crashnavignore'] : ['.crashnavignore'];
  const scopes = options.under ? options.under.map((d) => `${fg.escapePath(d.replace(/\/+$/, ''))}/`) : [''];
  // One walk of the tree finds both the sources and the ignore files (ignore files above `under` too).
  const patterns = [...scopes.map((s) => s + sourcePattern), ...ignoreNames.map((n) => `**/${n}`)];
  const walk = { cwd: root, dot: true, ignore: alwaysSkipped, stats: true as const, onlyFiles: true, followSymbolicLinks: false, suppressErrors: true, caseSensitiveMatch: true };
  const entries = options.blocking ? fg.sync(patterns, walk) : await fg(patterns, walk);
  const rules = new Map<string, Ignore>();
  const ignoreFiles = entries.filter((e) => ignoreNames.includes(e.name)).map((e) => e.path);
  for (const f of ignoreFiles.sort()) {
    const dir = path.posix.dirname(f);
    try {
      const ig = rules.get(dir) ?? ignore();
      ig.add(readFileSync(path.join(root, f), 'utf8'));
      rules.set(dir, ig);
    } catch (err) {
      problems.push(`${f}: unreadable ignore file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
  }
  const ignored = (rel: string): boolean => {
    for (const [dir, ig] of rules) {
      if (dir === '.') {
        if (ig.ignores(rel)) return true;
      } else if (rel.startsWith(dir + '/') && ig.ignores(rel.slice(dir.length + 1))) return true;
    }
    return false;
  };
  const files: SourceFile[] = [];
  for (const e of entries) {
    if (ignoreNames.includes(e.name) || hidden.test(e.path) || (rules.size > 0 && ignored(e.path))) continue;
    files.push({ path: e.path, size: e.stats?.size ?? 0, mtimeMs: e.stats?.mtimeMs ?? 0 });
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, problems };
}
