// The compressions of a kdump-compressed page (page_desc.flags, makedumpfile's diskdump_mod.h): zlib
// through node:zlib, LZO1X written here, snappy through snappyjs (pure JavaScript, maintained, MIT), zstd
// through fzstd. Every decoder is held to one page of output, so a lying page cannot allocate more.
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';
import { zstdDecompress } from '../debuginfo/index.js';
import { lzo1xDecompress } from './lzo1x.js';

export const DUMP_DH_COMPRESSED_ZLIB = 0x1;
export const DUMP_DH_COMPRESSED_LZO = 0x2;
export const DUMP_DH_COMPRESSED_SNAPPY = 0x4;
export const DUMP_DH_COMPRESSED_ZSTD = 0x20;
const COMPRESSION_FLAGS = DUMP_DH_COMPRESSED_ZLIB | DUMP_DH_COMPRESSED_LZO | DUMP_DH_COMPRESSED_SNAPPY | DUMP_DH_COMPRESSED_ZSTD;

interface Snappy {
  uncompress(data: Uint8Array, maxLength?: number): Uint8Array;
}
let snappy: Snappy | undefined;

/** The page's bytes, exactly `pageSize` long; throws an Error saying why the page cannot be decoded. */
export function decompressPage(flags: number, data: Uint8Array, pageSize: number): Uint8Array {
  const page = decode(flags & COMPRESSION_FLAGS, data, pageSize);
  if (page.length !== pageSize) throw new Error(`decompresses to ${page.length} bytes, not ${pageSize}`);
  return page;
}

function decode(compression: number, data: Uint8Array, pageSize: number): Uint8Array {
  switch (compression) {
    case 0:
      return data;
    case DUMP_DH_COMPRESSED_ZLIB:
      return inflateSync(data, { maxOutputLength: pageSize });
    case DUMP_DH_COMPRESSED_LZO:
      return lzo1xDecompress(data, pageSize);
    case DUMP_DH_COMPRESSED_SNAPPY:
      snappy ??= createRequire(import.meta.url)('snappyjs') as Snappy;
      return snappy.uncompress(data, pageSize);
    case DUMP_DH_COMPRESSED_ZSTD:
      return zstdDecompress(data, new Uint8Array(pageSize));
    default:
      throw new Error(`compression flags 0x${compression.toString(16)}: more than one compression`);
  }
}
