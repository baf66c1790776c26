// zstd through fzstd, loaded on first use: building its decoding tables at import costs every
// addr2line run ~10 ms, for sections and modules that are rarely zstd-compressed.
import { createRequire } from 'node:module';

type Fzstd = typeof import('fzstd');
let fzstd: Fzstd | undefined;
const load = (): Fzstd => (fzstd ??= createRequire(import.meta.url)('fzstd') as Fzstd);

/** fzstd's `decompress`: into `out` when given (its size must be the stream's), else a new array. */
export function zstdDecompress(data: Uint8Array, out?: Uint8Array): Uint8Array {
  return load().decompress(data, out);
}

/**
 * The first `limit` decoded bytes or more (all of them when the stream is shorter): the input is fed a
 * megabyte at a time and decoding stops once enough came out, so a header is read without decoding
 * a 60 MB kernel.
 */
export function zstdDecompressPrefix(data: Uint8Array, limit: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const stream = new (load().Decompress)((chunk) => {
    chunks.push(chunk);
    total += chunk.length;
  });
  const step = 1 << 20;
  for (let at = 0; at < data.length && total < limit; at += step) stream.push(data.subarray(at, at + step), at + step >= data.length);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}
