// Opening a binary whatever its packaging: plain files are read lazily from disk; `.ko.xz`,
// `.ko.zst` and `.ko.gz` (how distributions ship modules) are decompressed in memory first.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { DebugFile } from './debug-file.js';
import { compressionOf, decompress, isSupported } from './decompress.js';
import { ElfFormatError } from './errors.js';

/** Opens `path` as a DebugFile, decompressing `.xz`/`.zst`/`.gz` by their magic bytes. */
export async function openDebugFile(path: string): Promise<DebugFile> {
  const kind = compressionOf(head(path));
  if (!kind || !isSupported(kind)) return DebugFile.open(path);
  let bytes: Uint8Array;
  try {
    bytes = await decompress(kind, readFileSync(path));
  } catch (err) {
    throw new ElfFormatError({ file: path, section: '(file)', offset: 0, code: `bad-${kind}` }, `cannot decompress ${kind}: ${(err as Error).message}`);
  }
  return DebugFile.fromBytes(bytes, { path });
}

/** The first bytes of a file, enough for any magic; empty when it cannot be read (opening it says why). */
function head(path: string): Uint8Array {
  const bytes = Buffer.alloc(8);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    return bytes.subarray(0, readSync(fd, bytes, 0, bytes.length, 0));
  } catch {
    return bytes.subarray(0, 0);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
