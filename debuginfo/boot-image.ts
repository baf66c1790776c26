// The GNU build-id of an installed kernel image (`/boot/vmlinuz-R`), the identity of the vmlinux it was
// made from. Three packagings:
//   x86 bzImage  the boot protocol's setup header (`HdrS` at 0x202, protocol 2.08+) gives the payload's
//                offset (0x248, from the protected-mode code after the setup sectors) and length (0x24c);
//                the payload is the vmlinux as ELF, compressed (gzip, xz, zstd, LZ4 are decoded; lzma,
//                bzip2, LZO are named as unsupported). Every compressor but gzip has the decoded size
//                appended (kbuild's `size_append`), four bytes that are not part of the stream.
//   EFI zboot    `MZ`, `zimg` at 4, the payload's offset and size at 8 and 12, its compressor's name at
//                0x18 (arm64, riscv and loongarch with CONFIG_EFI_ZBOOT); the payload is a raw Image.
//   raw Image    arm64's `Image` (`ARM\x64` at 0x38), plain or gzip'ed whole (Debian's 6.1 arm64 vmlinuz
//                is plain, Ubuntu's gzip'ed): a copy of the loaded segments, not ELF, so no header says
//                where `.notes` is. Its build-id note is in it all the same; the embedded vDSO images
//                carry their own, so the one GNU build-id note outside every embedded ELF image is the kernel's.
// Anything else that is ELF (a `vmlinux-R`, gzip'ed or not) is read as ELF.
import { readFileSync } from 'node:fs';
import { type Compression, type UnsupportedCompression, compressionOf, decompress, isSupported } from './decompress.js';
import { ElfFile } from './elf/elf-file.js';
import { readBuildId } from './elf/elf-notes.js';
import { ElfFormatError } from './errors.js';
import { buildIdFromNotes } from './running-kernel.js';

export type BootImageFormat = 'bzImage' | 'zboot' | 'Image' | 'ELF';

export interface BootImageBuildId {
  buildId: string;
  format: BootImageFormat;
  /** The payload's (or the whole file's) compression, when it had one. */
  compression?: Compression;
}

/** The build-id of a kernel image file; throws ElfFormatError (code and file named) when it cannot be found. */
export async function bootImageBuildId(file: string): Promise<BootImageBuildId> {
  return imageBuildId(file, readFileSync(file));
}

/** The same, of an image's bytes (`file` names it in errors). */
export async function imageBuildId(file: string, data: Uint8Array): Promise<BootImageBuildId> {
  const fail = (code: string, why: string, offset = 0): never => {
    throw new ElfFormatError({ file, section: '(boot image)', offset, code }, why);
  };
  const u32 = (at: number): number => (at + 4 <= data.length ? new DataView(data.buffer, data.byteOffset + at, 4).getUint32(0, true) : fail('truncated', `file ends before byte ${at + 4}`, at));
  const text = (at: number, n: number): string => Buffer.from(data.subarray(at, at + n)).toString('latin1');

  if (text(0x202, 4) === 'HdrS') {
    const protocol = data[0x206]! | (data[0x207]! << 8);
    if (protocol < 0x208) fail('old-boot-protocol', `boot protocol ${protocol >> 8}.${(protocol & 0xff).toString().padStart(2, '0')} has no payload fields (2.08+)`, 0x206);
    const setupSectors = data[0x1f1]! || 4;
    const start = (setupSectors + 1) * 512 + u32(0x248);
    const payload = slice(data, start, u32(0x24c), fail);
    const kind = payloadCompression(payload, fail, start);
    return { buildId: await payloadElfBuildId(file, payload, kind, fail), format: 'bzImage', ...(kind ? { compression: kind } : {}) };
  }
  if (text(0, 2) === 'MZ' && text(4, 4) === 'zimg') {
    const payload = slice(data, u32(8), u32(12), fail);
    const kind = payloadCompression(payload, fail, u32(8));
    const image = kind ? await unpack(payload, kind, true, fail, u32(8)) : payload;
    return { buildId: rawImageBuildId(image, fail), format: 'zboot', ...(kind ? { compression: kind } : {}) };
  }
  const kind = payloadCompression(data, fail, 0);
  const bytes = kind ? await unpack(data, kind, false, fail, 0) : data;
  const compression = kind ? { compression: kind } : {};
  if (isElf(bytes)) return { buildId: elfBuildId(file, bytes, fail), format: 'ELF', ...compression };
  if (Buffer.from(bytes.subarray(0x38, 0x3c)).toString('latin1') === 'ARM\x64') return { buildId: rawImageBuildId(bytes, fail), format: 'Image', ...compression };
  return fail('not-a-kernel-image', 'not a kernel image: no bzImage setup header, zboot header, arm64 Image header or ELF');
}

type Fail = (code: string, why: string, offset?: number) => never;

function slice(data: Uint8Array, start: number, length: number, fail: Fail): Uint8Array {
  if (length === 0 || start + length > data.length) fail('bad-payload', `payload of ${length} bytes at ${start} is past the end (${data.length} bytes)`, start);
  return data.subarray(start, start + length);
}

/** A payload's compression, undefined when it is stored as it is; unsupported ones fail. */
function payloadCompression(data: Uint8Array, fail: Fail, offset: number): Compression | undefined {
  const kind: Compression | UnsupportedCompression | undefined = compressionOf(data);
  if (kind && !isSupported(kind)) fail('unsupported-compression', `${kind}-compressed payload: crashnav decodes gzip, xz, zstd and LZ4 (legacy frame) only`, offset);
  return kind as Compression | undefined;
}

/** Decompressed bytes (all, or at least the first `limit`), a kernel payload's appended size dropped first. */
async function unpack(data: Uint8Array, kind: Compression, kernelPayload: boolean, fail: Fail, offset: number, limit = Infinity): Promise<Uint8Array> {
  const stream = kernelPayload && kind !== 'gzip' ? data.subarray(0, data.length - 4) : data;
  try {
    return await decompress(kind, stream, limit);
  } catch (err) {
    return fail(`bad-${kind}`, `cannot decompress the ${kind} payload: ${(err as Error).message}`, offset);
  }
}

/**
 * The build-id of a bzImage's ELF payload. Its program headers come first and point at the PT_NOTE
 * segment, so only the payload's start up to the notes is decoded (zstd decodes a 6.12 kernel's
 * 60 MB in seconds); without a PT_NOTE, the whole ELF and its sections.
 */
async function payloadElfBuildId(file: string, payload: Uint8Array, kind: Compression | undefined, fail: Fail): Promise<string> {
  const decode = (limit: number): Promise<Uint8Array> => (kind ? unpack(payload, kind, true, fail, 0, limit) : Promise.resolve(payload));
  const head = await decode(64 << 10);
  if (!isElf(head)) fail('payload-not-elf', `the ${kind ?? 'uncompressed'} payload is not ELF`);
  const notes = noteSegments(head);
  if (notes.length > 0) {
    const end = Math.max(...notes.map((n) => n.offset + n.size));
    const bytes = end <= head.length ? head : await decode(end);
    for (const n of notes) {
      const id = buildIdFromNotes(bytes.subarray(n.offset, n.offset + n.size), true);
      if (id) return id;
    }
  }
  return elfBuildId(file, await decode(Infinity), fail);
}

const PT_NOTE = 4;

/** The PT_NOTE segments of a little-endian ELF whose program header table lies in `head`. */
function noteSegments(head: Uint8Array): { offset: number; size: number }[] {
  if (head[5] !== 1) return [];
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const is64 = head[4] === 2;
  const phoff = is64 ? Number(view.getBigUint64(0x20, true)) : view.getUint32(0x1c, true);
  const [entsize, count] = is64 ? [view.getUint16(0x36, true), view.getUint16(0x38, true)] : [view.getUint16(0x2a, true), view.getUint16(0x2c, true)];
  const out: { offset: number; size: number }[] = [];
  for (let i = 0; i < count && phoff + (i + 1) * entsize <= head.length; i++) {
    const ph = phoff + i * entsize;
    if (view.getUint32(ph, true) !== PT_NOTE) continue;
    const offset = is64 ? Number(view.getBigUint64(ph + 8, true)) : view.getUint32(ph + 4, true);
    const size = is64 ? Number(view.getBigUint64(ph + 0x20, true)) : view.getUint32(ph + 0x10, true);
    out.push({ offset, size });
  }
  return out;
}

function isElf(bytes: Uint8Array): boolean {
  return bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

function elfBuildId(file: string, bytes: Uint8Array, fail: Fail): string {
  const elf = ElfFile.fromBytes(bytes, { path: file });
  try {
    return readBuildId(elf) ?? fail('no-build-id', 'the ELF has no GNU build-id note');
  } finally {
    elf.close();
  }
}

/** GNU build-id notes look like this up to their descriptor size (little-endian: raw Images are). */
const noteName = [0x03, 0x00, 0x00, 0x00, 0x47, 0x4e, 0x55, 0x00];

/** The one GNU build-id note of a raw Image outside its embedded ELF images (the vDSOs). */
function rawImageBuildId(image: Uint8Array, fail: Fail): string {
  const embedded = embeddedElfExtents(image);
  const found = new Set<string>();
  for (let at = image.indexOf(0x47, 12); at >= 0; at = image.indexOf(0x47, at + 1)) {
    const note = at - 12;
    if (!noteName.every((b, i) => image[at - 4 + i] === b) || image[note] !== 4 || image[note + 1] !== 0 || image[note + 2] !== 0 || image[note + 3] !== 0) continue;
    if (embedded.some(([s, e]) => note >= s && note < e)) continue;
    const descsz = image[note + 4]! | (image[note + 5]! << 8);
    if (descsz < 8 || descsz > 64 || image[note + 6] !== 0 || image[note + 7] !== 0) continue;
    const id = buildIdFromNotes(image.subarray(note, note + 16 + descsz));
    if (id) found.add(id);
  }
  if (found.size === 1) return [...found][0]!;
  return fail('no-build-id', found.size === 0 ? 'the Image holds no GNU build-id note' : `the Image holds ${found.size} GNU build-id notes outside embedded ELF images: cannot tell the kernel's`);
}

/** [start, end) of each little-endian ELF image embedded in a raw Image, ending with its section header table. */
function embeddedElfExtents(image: Uint8Array): [number, number][] {
  const out: [number, number][] = [];
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  for (let at = image.indexOf(0x7f); at >= 0 && at + 64 <= image.length; at = image.indexOf(0x7f, at + 1)) {
    if (!isElf(image.subarray(at)) || image[at + 5] !== 1) continue;
    const is64 = image[at + 4] === 2;
    if (!is64 && image[at + 4] !== 1) continue;
    const shoff = is64 ? Number(view.getBigUint64(at + 0x28, true)) : view.getUint32(at + 0x20, true);
    const [entsize, count] = is64 ? [view.getUint16(at + 0x3a, true), view.getUint16(at + 0x3c, true)] : [view.getUint16(at + 0x2e, true), view.getUint16(at + 0x30, true)];
    out.push([at, at + shoff + entsize * count]);
  }
  return out;
}
