// Reads a report from a path or from standard input (`-`), as text; decoding never fails on bad bytes.
// The one place where a file that cannot be read becomes one line naming it (`logs: is a directory`):
// Node's own messages leave the path out of EISDIR and spell errno names to the user.
import { constants } from 'node:buffer';
import { type Stats, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

export interface ReadCrashInputOptions {
  /** Relative paths are read from here (default: the process's directory); messages keep the path as given. */
  cwd?: string;
  /** Called after each chunk with the bytes read so far and the size, when the input has one. */
  onProgress?: (bytesRead: number, totalBytes: number | undefined) => void;
}

/** A crash input that cannot be read; the message is the line to show, naming the file. */
export class CrashInputError extends Error {
  override name = 'CrashInputError';
  constructor(
    readonly file: string,
    /** The errno name (ENOENT, EISDIR, EACCES, ...). */
    readonly code: string,
  ) {
    super(describeReadError(file, code));
  }
}

const reasons: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'file name too long',
  EIO: 'input/output error',
  // A vmcore or a disk image given as a log: more than one JavaScript string holds (~512 MB).
  EFBIG: 'too large for a text log (a vmcore is read by crash(8), whose output crashnav reads)',
};

/** `FILE: is a directory`: the line for a file that could not be read, from the errno name of the failure. */
export function describeReadError(file: string, code: string | undefined): string {
  return `${file}: ${(code && reasons[code]) ?? `cannot be read${code ? ` (${code})` : ''}`}`;
}

/** The stat of a file the user named (a binary, a dump), or the CrashInputError line naming it: missing, a directory, unreadable. */
export function statNamedFile(file: string, cwd = '.'): Stats {
  let stat: Stats;
  try {
    stat = statSync(path.resolve(cwd, file));
  } catch (err) {
    throw new CrashInputError(file, (err as NodeJS.ErrnoException).code ?? 'EIO');
  }
  if (stat.isDirectory()) throw new CrashInputError(file, 'EISDIR');
  return stat;
}

const chunkBytes = 4 << 20;

export async function readCrashInput(file: string, stdin: Readable, options: ReadCrashInputOptions = {}): Promise<string> {
  const chunks: Buffer[] = [];
  let bytesRead = 0;
  if (file === '-') {
    for await (const chunk of stdin) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      chunks.push(bytes);
      bytesRead += bytes.length;
      options.onProgress?.(bytesRead, undefined);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
  const handle = await open(path.resolve(options.cwd ?? '.', file), 'r').catch((err: NodeJS.ErrnoException) => {
    throw new CrashInputError(file, err.code ?? 'EIO');
  });
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw new CrashInputError(file, 'EISDIR');
    // Filled in place up to stat's size, 4 MB a read (a progress step each), so a 50 MB log is not copied
    // again; then read on to the end: a pipe, /dev/stdin or a /proc file has no size, and a log may grow.
    const total = stat.isFile() && stat.size > 0 ? stat.size : undefined;
    if (total !== undefined && total > constants.MAX_STRING_LENGTH) throw new CrashInputError(file, 'EFBIG');
    const sized = Buffer.allocUnsafe(total ?? 0);
    while (bytesRead < sized.length) {
      const { bytesRead: n } = await handle.read(sized, bytesRead, Math.min(chunkBytes, sized.length - bytesRead), null);
      if (n === 0) break;
      bytesRead += n;
      options.onProgress?.(bytesRead, total);
    }
    chunks.push(sized.subarray(0, bytesRead));
    for (;;) {
      const buffer = Buffer.allocUnsafe(total === undefined ? chunkBytes : 64 << 10);
      const { bytesRead: n } = await handle.read(buffer, 0, buffer.length, null);
      if (n === 0) break;
      chunks.push(buffer.subarray(0, n));
      bytesRead += n;
      options.onProgress?.(bytesRead, total);
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (err instanceof CrashInputError || code === undefined) throw err;
    throw new CrashInputError(file, code);
  } finally {
    await handle.close();
  }
  return (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
}
