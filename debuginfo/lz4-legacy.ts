// LZ4's legacy frame (`lz4 -l`), which is how the kernel's build compresses an LZ4 vmlinux payload (Debian's
// 6.1 bzImage among them): a magic, then blocks each preceded by its compressed size, each decoding to at
// most 8 MiB of the LZ4 block format. No maintained npm package decodes the legacy frame, and the block
// format is a few lines: literals, then a match copied from earlier output.

const legacyMagic = 0x184c2102;
const maxBlock = 8 << 20;

/** Whether bytes start with the legacy frame's magic. */
export function isLz4Legacy(data: Uint8Array): boolean {
  return data.length >= 4 && readU32(data, 0) === legacyMagic;
}

/**
 * Decodes a legacy frame (or several in a row), stopping after the block that reaches `limit` decoded
 * bytes; throws an Error saying where the data is bad.
 */
export function lz4LegacyDecompress(data: Uint8Array, limit = Infinity): Uint8Array {
  if (!isLz4Legacy(data)) throw new Error('not an LZ4 legacy frame (bad magic)');
  const blocks: Uint8Array[] = [];
  let total = 0;
  const scratch = new Uint8Array(maxBlock);
  for (let pos = 4; pos < data.length && total < limit; ) {
    if (pos + 4 > data.length) throw new Error(`truncated block size at byte ${pos}`);
    const size = readU32(data, pos);
    pos += 4;
    if (size === legacyMagic) continue; // a concatenated frame
    if (size > data.length - pos) throw new Error(`block at byte ${pos - 4} claims ${size} bytes, ${data.length - pos} remain`);
    const n = decodeBlock(data.subarray(pos, pos + size), scratch, pos);
    blocks.push(scratch.slice(0, n));
    total += n;
    pos += size;
  }
  return Buffer.concat(blocks, total);
}

/** One LZ4 block into `out`; returns the decoded length. `where` is the block's file offset, for errors. */
function decodeBlock(src: Uint8Array, out: Uint8Array, where: number): number {
  let ip = 0;
  let op = 0;
  const fail = (why: string): never => {
    throw new Error(`bad LZ4 block at byte ${where}+${ip}: ${why}`);
  };
  const length = (base: number): number => {
    let n = base;
    if (base !== 15) return n;
    for (;;) {
      if (ip >= src.length) fail('length runs past the block');
      const b = src[ip++]!;
      n += b;
      if (b !== 255) return n;
    }
  };
  while (ip < src.length) {
    const token = src[ip++]!;
    const literals = length(token >> 4);
    if (ip + literals > src.length) fail('literals run past the block');
    if (op + literals > out.length) fail('output over 8 MiB');
    out.set(src.subarray(ip, ip + literals), op);
    ip += literals;
    op += literals;
    if (ip === src.length) break; // the last sequence has literals only
    if (ip + 2 > src.length) fail('truncated match offset');
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op) fail(`match offset ${offset} before the start`);
    const match = length(token & 15) + 4;
    if (op + match > out.length) fail('output over 8 MiB');
    if (offset >= match) out.copyWithin(op, op - offset, op - offset + match);
    // A match overlapping the bytes it produces repeats them: byte by byte.
    else for (let i = 0; i < match; i++) out[op + i] = out[op + i - offset]!;
    op += match;
  }
  return op;
}

function readU32(data: Uint8Array, pos: number): number {
  return (data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16) | (data[pos + 3]! << 24)) >>> 0;
}
