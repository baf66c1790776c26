// Two questions every debug-file and source lookup asks of a path, answered without throwing.
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';

/** A regular file (after symbolic links) that exists now. */
export function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** The path with symbolic links resolved; a path that does not exist, only made absolute. */
export function realPathOrResolved(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}
