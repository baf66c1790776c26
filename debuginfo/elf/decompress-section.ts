// Compressed debug sections: SHF_COMPRESSED (an Elf_Chdr, then a zlib or zstd stream; gABI "Section
// Compression") and the legacy GNU `.zdebug_*` form ("ZLIB", 8-byte big-endian size, zlib stream).
import { inflateSync } from 'node:zlib';
import { ByteReader } from '../byte-reader.js';
import { ElfFormatError } from '../errors.js';
import { zstdDecompress } from '../zstd.js';
import { ELFCOMPRESS_ZLIB, ELFCOMPRESS_ZSTD } from './elf-constants.js';

// zlib cannot expand more than ~1032:1, zstd not much more; a header claiming more is corrupt,
// and refusing it keeps a fuzzed size field from allocating gigabytes.
const maxRatio = 1100;
const maxSize = 2 ** 31 - 1;

export interface CompressedSectionPlace {
  file: string;
  section: string;
  is64: boolean;
}

export function decompressChdrSection(raw: Uint8Array, place: CompressedSectionPlace): Uint8Array {
  const r = new ByteReader(raw, { file: place.file, section: place.section, base: 0, errorClass: ElfFormatError });
  const type = r.u32();
  let size: number;
  if (place.is64) {
    r.u32();
    size = r.u64Number();
    r.u64();
  } else {
    size = r.u32();
    r.u32();
  }
  const payload = raw.subarray(r.pos);
  checkSize(size, payload.length, place);
  if (type === ELFCOMPRESS_ZLIB) return inflate(payload, size, place);
  if (type === ELFCOMPRESS_ZSTD) {
    let out: Uint8Array;
    try {
      out = zstdDecompress(payload, new Uint8Array(size));
    } catch (err) {
      throw new ElfFormatError({ ...where(place), code: 'bad-zstd' }, `zstd stream: ${(err as Error).message}`);
    }
    if (out.length !== size) throw new ElfFormatError({ ...where(place), code: 'bad-zstd' }, `zstd gave ${out.length} bytes, header says ${size}`);
    return out;
  }
  throw new ElfFormatError({ ...where(place), code: 'unknown-compression' }, `unknown ch_type ${type}`);
}

export function decompressZdebugSection(raw: Uint8Array, place: CompressedSectionPlace): Uint8Array {
  if (raw.length < 12 || String.fromCharCode(...raw.subarray(0, 4)) !== 'ZLIB') {
    throw new ElfFormatError({ ...where(place), code: 'bad-zdebug' }, 'missing ZLIB header');
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const big = view.getBigUint64(4, false);
  if (big > BigInt(maxSize)) throw new ElfFormatError({ ...where(place), code: 'bad-compressed-size' }, `uncompressed size 0x${big.toString(16)} too large`);
  const size = Number(big);
  checkSize(size, raw.length - 12, place);
  return inflate(raw.subarray(12), size, place);
}

function inflate(payload: Uint8Array, size: number, place: CompressedSectionPlace): Uint8Array {
  let out: Buffer;
  try {
    out = inflateSync(payload, { maxOutputLength: Math.max(size, 1) });
  } catch (err) {
    throw new ElfFormatError({ ...where(place), code: 'bad-zlib' }, `zlib stream: ${(err as Error).message}`);
  }
  if (out.length !== size) throw new ElfFormatError({ ...where(place), code: 'bad-zlib' }, `zlib gave ${out.length} bytes, header says ${size}`);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

function checkSize(size: number, compressed: number, place: CompressedSectionPlace): void {
  if (size > maxSize || size > maxRatio * compressed + 4096) {
    throw new ElfFormatError({ ...where(place), code: 'bad-compressed-size' }, `uncompressed size ${size} implausible for ${compressed} compressed bytes`);
  }
}

function where(place: CompressedSectionPlace): { file: string; section: string; offset: number } {
  return { file: place.file, section: place.section, offset: 0 };
}
