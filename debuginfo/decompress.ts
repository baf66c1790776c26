// Compressed binaries told apart by their magic bytes, and decoded in memory: gzip (node:zlib), zstd
// (fzstd), xz (xz-decompress, loaded only when needed: a large bundle) and LZ4's legacy frame (the
// kernel's LZ4 payloads). lzma, bzip2, LZO and LZ4's newer frame are recognised only to be named in an
// error: no decoder of theirs is a dependency, and the kernels shipped by the major distributions use
// the ones above (Debian 6.1 x86 LZ4, 6.12 zstd, Fedora/Ubuntu/SUSE zstd, xz or gzip).
import { gunzipSync } from 'node:zlib';
import { isLz4Legacy, lz4LegacyDecompress } from './lz4-legacy.js';
import { zstdDecompress, zstdDecompressPrefix } from './zstd.js';

export type Compression = 'gzip' | 'zstd' | 'xz' | 'lz4';
export type UnsupportedCompression = 'lzma' | 'bzip2' | 'lzo' | 'lz4-frame';

const startsWith = (data: Uint8Array, magic: number[]): boolean => magic.every((b, i) => data[i] === b);

/** The compression whose magic `data` starts with, or undefined for anything else (plain ELF, say). */
export function compressionOf(data: Uint8Array): Compression | UnsupportedCompression | undefined {
  if (startsWith(data, [0x1f, 0x8b])) return 'gzip';
  if (startsWith(data, [0x28, 0xb5, 0x2f, 0xfd])) return 'zstd';
  if (startsWith(data, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return 'xz';
  if (isLz4Legacy(data)) return 'lz4';
  if (startsWith(data, [0x04, 0x22, 0x4d, 0x18])) return 'lz4-frame';
  if (startsWith(data, [0x42, 0x5a, 0x68])) return 'bzip2';
  if (startsWith(data, [0x89, 0x4c, 0x5a, 0x4f, 0x00])) return 'lzo';
  // lzma-alone: the properties byte the kernel's and xz's encoders write, then a dictionary size.
  if (startsWith(data, [0x5d, 0x00, 0x00])) return 'lzma';
  return undefined;
}

export function isSupported(kind: Compression | UnsupportedCompression): kind is Compression {
  return kind === 'gzip' || kind === 'zstd' || kind === 'xz' || kind === 'lz4';
}

/**
 * The decoded bytes, or with a `limit` at least that many of the first ones (fewer only when the stream
 * is shorter), for a reader that needs only a file's start; throws the decoder's Error on corrupt data.
 */
export async function decompress(kind: Compression, data: Uint8Array, limit = Infinity): Promise<Uint8Array> {
  if (kind === 'gzip') return gunzipSync(data);
  if (kind === 'zstd') return limit === Infinity ? zstdDecompress(data) : zstdDecompressPrefix(data, limit);
  if (kind === 'lz4') return lz4LegacyDecompress(data, limit);
  const xz = (await import('xz-decompress')).default;
  const reader = (new xz.XzReadableStream(new Blob([data]).stream()) as ReadableStream<Uint8Array>).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.length;
  }
  await reader.cancel();
  return Buffer.concat(chunks, total);
}
