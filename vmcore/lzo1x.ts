// LZO1X decompression, for the pages `makedumpfile -l` and `qemu dump-guest-memory -l` compress with
// lzo1x_1. Written here from the format (the kernel's Documentation/staging/lzo.rst): npm has native
// bindings and one unmaintained JavaScript port, none bounds-checked. Like lzo1x_decompress_safe, every
// read, write and back-reference is checked; a bad stream throws LzoError, and the output never grows past
// the length asked for.
//
// The stream is instructions whose meaning for a byte below 16 depends on `state`, the number of literals
// the previous instruction copied (0, 1-3, or 4 for a run of four or more).

export class LzoError extends Error {
  override name = 'LzoError';
}

/** Decompresses `src` into exactly `outLength` bytes; throws LzoError when the stream is bad or of another length. */
export function lzo1xDecompress(src: Uint8Array, outLength: number): Uint8Array {
  const out = new Uint8Array(outLength);
  let ip = 0;
  let op = 0;
  const fail = (what: string): never => {
    throw new LzoError(`LZO1X: ${what} at input byte ${ip}, output byte ${op}`);
  };
  const byte = (): number => (ip < src.length ? src[ip++]! : fail('input overrun'));
  const le16 = (): number => byte() | (byte() << 8);
  /** A length continued in zero bytes: each adds 255, the first non-zero one ends it. */
  const longLength = (base: number): number => {
    let n = base;
    let b: number;
    while ((b = byte()) === 0) n += 255;
    return n + b;
  };
  const literals = (n: number): void => {
    if (ip + n > src.length) fail('input overrun');
    if (op + n > outLength) fail('output overrun');
    out.set(src.subarray(ip, ip + n), op);
    ip += n;
    op += n;
  };
  const match = (distance: number, length: number): void => {
    if (distance > op) fail(`back-reference ${distance} before the start`);
    if (op + length > outLength) fail('output overrun');
    if (distance >= length) {
      out.copyWithin(op, op - distance, op - distance + length);
      op += length;
    } else {
      // Overlapping: the copy repeats the last `distance` bytes, byte by byte.
      for (const end = op + length; op < end; op++) out[op] = out[op - distance]!;
    }
  };

  let state = 0;
  if (src.length > 0 && src[0]! > 17) {
    const n = byte() - 17;
    literals(n);
    state = Math.min(n, 4);
  }
  for (;;) {
    const inst = byte();
    if (inst < 16) {
      if (state === 0) {
        literals(inst === 0 ? longLength(15) + 3 : inst + 3);
        state = 4;
        continue;
      }
      const high = byte();
      // After 1-3 literals: a 2-byte match nearby; after a run of 4 or more: a 3-byte match 2 KB further.
      if (state < 4) match((high << 2) + (inst >> 2) + 1, 2);
      else match((high << 2) + (inst >> 2) + 2049, 3);
      state = inst & 3;
      literals(state);
      continue;
    }
    let length: number;
    let distance: number;
    if (inst >= 64) {
      length = inst >= 128 ? ((inst >> 5) & 3) + 5 : ((inst >> 5) & 1) + 3;
      distance = (byte() << 3) + ((inst >> 2) & 7) + 1;
      state = inst & 3;
    } else if (inst >= 32) {
      length = (inst & 31) === 0 ? longLength(31) + 2 : (inst & 31) + 2;
      const d = le16();
      distance = (d >> 2) + 1;
      state = d & 3;
    } else {
      length = (inst & 7) === 0 ? longLength(7) + 2 : (inst & 7) + 2;
      const d = le16();
      distance = 16384 + ((inst & 8) << 11) + (d >> 2);
      // The end marker: a far match of distance exactly 16 KB.
      if (distance === 16384) break;
      state = d & 3;
    }
    match(distance, length);
    literals(state);
  }
  if (op !== outLength) fail(`stream ends after ${op} bytes, expected ${outLength}`);
  return out;
}
