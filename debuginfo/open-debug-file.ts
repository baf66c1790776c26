// Opening a binary whatever its packaging: plain files are read lazily from disk; `.ko.xz`,
// `.ko.zst` and `.ko.gz` (how distributions ship modules) are decompressed in memory first.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DebugFile } from './debug-file.js';
import { ElfFormatError } from './errors.js';
import { zstdDecompress } from './zstd.js';

/** Opens `path` as a DebugFile, decompressing `.xz`/`.zst`/`.gz` by their magic bytes. */
export async function openDebugFile(path: string): Promise<DebugFile> {
  const kind = compressionOf(path);
  if (!kind) return DebugFile.open(path);
  const packed = readFileSync(path);
  let bytes: Uint8Array;
  try {
    if (kind === 'gzip') bytes = gunzipSync(packed);
    else if (kind === 'zstd') bytes = zstdDecompress(packed);
    else {
      // Loaded here only: the xz decoder is a large bundle that plain files never need.
      const xz = (await import('xz-decompress')).default;
      bytes = new Uint8Array(await new Response(new xz.XzReadableStream(new Blob([packed]).stream())).arrayBuffer());
    }
  } catch (err) {
    throw new ElfFormatError({ file: path, section: '(file)', offset: 0, code: `bad-${kind}` }, `cannot decompress ${kind}: ${(err as Error).message}`);
  }
  return DebugFile.fromBytes(bytes, { path });
}

function compressionOf(path: string): 'gzip' | 'zstd' | 'xz' | undefined {
  const head = Buffer.alloc(6);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    readSync(fd, head, 0, 6, 0);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  if (head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a) return 'xz';
  return undefined;
}
