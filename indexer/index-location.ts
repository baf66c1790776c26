// Where a source tree's index lives, and whether this user may write it. The CLI and the server both ask
// here, so `crashnav index` and the editor agree on one database per tree. In the tree (`<root>/.crashnav/`)
// when the user owns a writable root; otherwise in the user's cache, so a shared or read-only tree (a
// distribution's /usr/src/linux-*) is never written into.
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultDbPath } from './index-store.js';

/** `$XDG_CACHE_HOME/crashnav/<name>-<hash of the root path>/index.db` (the spec ignores a relative XDG_CACHE_HOME). */
export function cacheDbPath(root: string, env: NodeJS.ProcessEnv = process.env): string {
  const real = canonical(root);
  const xdg = env.XDG_CACHE_HOME;
  const cache = xdg && path.isAbsolute(xdg) ? xdg : path.join(env.HOME || os.homedir(), '.cache');
  const hash = createHash('sha256').update(real).digest('hex').slice(0, 16);
  return path.join(cache, 'crashnav', `${path.basename(real) || 'root'}-${hash}`, 'index.db');
}

/**
 * The index of `root`: an existing one (in the tree, then in the cache) wherever it is; else in the tree
 * when this user owns it and may write it, else in the cache.
 */
export function indexDbPath(root: string, env: NodeJS.ProcessEnv = process.env): string {
  const inTree = defaultDbPath(path.resolve(root));
  if (existsSync(inTree)) return inTree;
  const cached = cacheDbPath(root, env);
  if (existsSync(cached)) return cached;
  return ownsWritable(path.resolve(root)) ? inTree : cached;
}

/** Whether `root` holds an index (in the tree or in the cache): a tree someone chose to index. */
export function hasIndex(root: string, env: NodeJS.ProcessEnv = process.env): boolean {
  return existsSync(defaultDbPath(path.resolve(root))) || existsSync(cacheDbPath(root, env));
}

/**
 * Why this user must not write the index at `dbPath` (another user's, or not writable), or undefined when
 * it may (including when it does not exist yet). Such an index is only ever opened read-only.
 */
export function indexWriteRefusal(dbPath: string): string | undefined {
  let owner: number;
  try {
    owner = statSync(dbPath).uid;
  } catch {
    return undefined;
  }
  const me = process.getuid?.();
  if (me !== undefined && owner !== me) return `it belongs to ${userName(owner)}, not to you`;
  for (const target of [dbPath, path.dirname(dbPath)]) {
    try {
      accessSync(target, constants.W_OK);
    } catch {
      return `${target === dbPath ? 'it' : 'its directory'} is not writable by you`;
    }
  }
  return undefined;
}

function ownsWritable(dir: string): boolean {
  try {
    const me = process.getuid?.();
    if (me !== undefined && statSync(dir).uid !== me) return false;
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function canonical(root: string): string {
  try {
    return realpathSync(root);
  } catch {
    return path.resolve(root);
  }
}

function userName(uid: number): string {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (Number(id) === uid && name) return `user ${name} (uid ${uid})`;
    }
  } catch {
    // No /etc/passwd to name the owner by: the uid says it.
  }
  return `uid ${uid}`;
}
