// zstd through fzstd, loaded on first use: building its decoding tables at import costs every
// addr2line run ~10 ms, for sections and modules that are rarely zstd-compressed.
import { createRequire } from 'node:module';

type Decompress = typeof import('fzstd').decompress;
let decompress: Decompress | undefined;

/** fzstd's `decompress`: into `out` when given (its size must be the stream's), else a new array. */
export function zstdDecompress(data: Uint8Array, out?: Uint8Array): Uint8Array {
  decompress ??= (createRequire(import.meta.url)('fzstd') as typeof import('fzstd')).decompress;
  return decompress(data, out);
}
