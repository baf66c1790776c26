// A bounds-checked little-endian cursor over bytes, built with its file and section so that every
// out-of-bounds read already knows where it was and throws the right typed error.
import { type FormatErrorClass } from './errors.js';

export interface ReaderPlace {
  file: string;
  section: string;
  /** Offset in the section of `bytes[0]` (a unit slice starts mid-section). */
  base: number;
  errorClass: FormatErrorClass;
}

const textDecoder = new TextDecoder('utf-8');

export class ByteReader {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly place: ReaderPlace;
  pos: number;

  constructor(bytes: Uint8Array, place: ReaderPlace, pos = 0) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.place = place;
    this.pos = pos;
  }

  get length(): number {
    return this.bytes.length;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Section offset of the cursor, for error messages and DIE offsets. */
  get sectionOffset(): number {
    return this.place.base + this.pos;
  }

  fail(code: string, detail: string, at = this.pos): never {
    const p = this.place;
    throw new p.errorClass({ file: p.file, section: p.section, offset: p.base + at, code }, detail);
  }

  need(n: number): void {
    if (n < 0 || this.pos + n > this.bytes.length) {
      this.fail('truncated', `read of ${n} bytes past the end (${this.bytes.length - this.pos} left)`);
    }
  }

  seek(pos: number): void {
    if (pos < 0 || pos > this.bytes.length) this.fail('bad-offset', `offset 0x${pos.toString(16)} outside 0..0x${this.bytes.length.toString(16)}`);
    this.pos = pos;
  }

  skip(n: number): void {
    this.need(n);
    this.pos += n;
  }

  u8(): number {
    if (this.pos >= this.bytes.length) this.need(1);
    return this.bytes[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i8(): number {
    this.need(1);
    return this.view.getInt8(this.pos++);
  }

  i16(): number {
    this.need(2);
    const v = this.view.getInt16(this.pos, true);
    this.pos += 2;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A 64-bit value that must fit a JS number (offsets, sizes); absurd values are format errors. */
  u64Number(): number {
    const at = this.pos;
    const v = this.u64();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('overflow', `value 0x${v.toString(16)} too large`, at);
    return Number(v);
  }

  /** A 4- or 8-byte unsigned offset (DWARF 32/64-bit formats, ELF32/ELF64 fields). */
  offset(size: 4 | 8): number {
    return size === 8 ? this.u64Number() : this.u32();
  }

  /** An address of `size` bytes (1, 2, 4 or 8) as bigint. */
  address(size: number): bigint {
    switch (size) {
      case 8:
        return this.u64();
      case 4:
        return BigInt(this.u32());
      case 2:
        return BigInt(this.u16());
      case 1:
        return BigInt(this.u8());
      default:
        return this.fail('bad-address-size', `address size ${size}`);
    }
  }

  uleb(): number {
    let result = 0;
    let mul = 1;
    const bytes = this.bytes;
    for (;;) {
      if (this.pos >= bytes.length) this.need(1);
      const b = bytes[this.pos++]!;
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) break;
      mul *= 128;
      // Past 2^63 the value is meaningless for offsets and counts; keep consuming the bytes.
      if (mul > 2 ** 70) mul = 2 ** 70;
    }
    return result;
  }

  /** ULEB128 as bigint, for values that may exceed 2^53 (DW_LNE_set_address is fixed-size, but constants are not). */
  ulebBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.u8();
      if (shift < 64n) result |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if ((b & 0x80) === 0) break;
    }
    return BigInt.asUintN(64, result);
  }

  sleb(): number {
    let result = 0;
    let mul = 1;
    let b: number;
    do {
      b = this.u8();
      result += (b & 0x7f) * mul;
      mul *= 128;
      if (mul > 2 ** 70) mul = 2 ** 70;
    } while (b & 0x80);
    if (b & 0x40) result -= mul;
    return result;
  }

  /** NUL-terminated string (decoded as UTF-8). */
  cstring(): string {
    const start = this.pos;
    const end = this.bytes.indexOf(0, start);
    if (end < 0) this.fail('unterminated-string', 'string runs past the end');
    this.pos = end + 1;
    return decodeAscii(this.bytes, start, end);
  }

  /** Skips a NUL-terminated string without decoding it. */
  skipCstring(): void {
    const end = this.bytes.indexOf(0, this.pos);
    if (end < 0) this.fail('unterminated-string', 'string runs past the end');
    this.pos = end + 1;
  }

  take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** Reads the NUL-terminated string at `offset` of a string table, or undefined when out of range. */
export function stringAt(bytes: Uint8Array, offset: number): string | undefined {
  if (offset < 0 || offset >= bytes.length) return undefined;
  const end = bytes.indexOf(0, offset);
  return decodeAscii(bytes, offset, end < 0 ? bytes.length : end);
}

function decodeAscii(bytes: Uint8Array, start: number, end: number): string {
  // Symbol and file names are nearly always ASCII: building the string directly is much cheaper
  // than TextDecoder for the short names that dominate.
  if (end - start < 64) {
    let s = '';
    for (let i = start; i < end; i++) {
      const c = bytes[i]!;
      if (c >= 0x80) return textDecoder.decode(bytes.subarray(start, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return textDecoder.decode(bytes.subarray(start, end));
}
