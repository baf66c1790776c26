// Installed kernel images give their vmlinux's build-id: x86 bzImages laid out as the boot protocol says
// (a setup header, the payload compressed as kbuild does: gzip as it is, the others with the decoded size
// appended), EFI zboot and raw arm64 Images (the note found outside the embedded ELF images), each around
// an ELF gcc links with a build-id; Debian's real images against their -dbg vmlinux when fetched.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ElfFormatError, imageBuildId, lz4LegacyDecompress, readFileBuildId } from '../../debuginfo/index.js';
import { hasTool } from './support/fixtures.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'crashnav-boot-image-'));
const kernelId = 'c0ffee'.repeat(6) + 'abcd';
let elf: Uint8Array;

beforeAll(() => {
  const src = path.join(dir, 'k.c');
  writeFileSync(src, 'int x = 1;\nvoid _start(void) { for (;;) x++; }\n');
  const out = path.join(dir, 'vmlinux');
  execFileSync('gcc', ['-O2', '-nostdlib', '-static', `-Wl,--build-id=0x${kernelId}`, '-o', out, src], { stdio: 'pipe' });
  elf = readFileSync(out);
});

/** The compressor's output as kbuild's `cmd_<name>_with_size` writes it (gzip: no size, its trailer has one). */
function compress(kind: string, data: Uint8Array): Buffer {
  if (kind === 'gzip') return gzipSync(data);
  const args: Record<string, string[]> = { xz: ['xz', '--check=crc32', '-c'], zstd: ['zstd', '-19', '-c', '-q'], lz4: ['lz4', '-l', '-c', '-q'], bzip2: ['bzip2', '-c'], lzma: ['lzma', '-c'] };
  const [tool, ...rest] = args[kind]!;
  const packed = execFileSync(tool!, rest, { input: data, maxBuffer: 1 << 28 });
  const size = Buffer.alloc(4);
  size.writeUInt32LE(data.length);
  return Buffer.concat([packed, size]);
}

/** A bzImage: setup sectors with the header at 0x1f1, then the protected-mode part holding the payload at `payloadOffset`. */
function bzImage(payload: Uint8Array, options: { protocol?: number; setupSectors?: number; lengthDelta?: number } = {}): Buffer {
  const setupSectors = options.setupSectors ?? 3;
  const setup = Buffer.alloc((setupSectors || 4) * 512 + 512);
  setup[0x1f1] = setupSectors;
  setup.write('HdrS', 0x202, 'latin1');
  setup.writeUInt16LE(options.protocol ?? 0x20f, 0x206);
  const payloadOffset = 0x3a0; // the decompressor's code comes first
  setup.writeUInt32LE(payloadOffset, 0x248);
  setup.writeUInt32LE(payload.length + (options.lengthDelta ?? 0), 0x24c);
  return Buffer.concat([setup, Buffer.alloc(payloadOffset, 0x90), payload, Buffer.alloc(64, 0xcc)]);
}

/** A GNU build-id note, as the kernel's `.notes` holds it. */
function note(idHex: string): Buffer {
  const head = Buffer.alloc(16);
  head.writeUInt32LE(4, 0);
  head.writeUInt32LE(idHex.length / 2, 4);
  head.writeUInt32LE(3, 8);
  head.write('GNU\0', 12, 'latin1');
  return Buffer.concat([head, Buffer.from(idHex, 'hex')]);
}

/** A raw arm64 Image: its header (`ARM\x64` at 0x38), text, an embedded ELF (a vDSO, with its own note) and the kernel's note. */
function armImage(kernelNotes: string[]): Buffer {
  const header = Buffer.alloc(64);
  header.write('ARM\x64', 0x38, 'latin1');
  const vdso = Buffer.concat([Buffer.from(elf), Buffer.alloc((4096 - (elf.length % 4096)) % 4096)]);
  return Buffer.concat([header, Buffer.alloc(4032, 0x1f), vdso, ...kernelNotes.map(note), Buffer.alloc(4096, 0x11)]);
}

const fail = async (bytes: Uint8Array): Promise<ElfFormatError> => {
  const err = await imageBuildId('vmlinuz-test', bytes).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ElfFormatError);
  expect((err as Error).message).toMatch(/^vmlinuz-test: /);
  return err as ElfFormatError;
};

describe('bzImage payloads', () => {
  for (const kind of ['gzip', 'xz', 'zstd', 'lz4']) {
    it.skipIf(kind !== 'gzip' && !hasTool(kind, ['--version']))(`${kind}: the payload ELF's build-id`, async () => {
      const got = await imageBuildId('vmlinuz-test', bzImage(compress(kind, elf)));
      expect(got).toEqual({ buildId: kernelId, format: 'bzImage', compression: kind });
      expect(got.buildId).toBe(readFileBuildId(path.join(dir, 'vmlinux')));
    });
  }
  it('an uncompressed payload, and setup_sects 0 meaning 4', async () => {
    expect(await imageBuildId('vmlinuz-test', bzImage(elf, { setupSectors: 0 }))).toEqual({ buildId: kernelId, format: 'bzImage' });
  });
  for (const kind of ['bzip2', 'lzma']) {
    it.skipIf(!hasTool(kind, ['--help']))(`${kind} is named as unsupported`, async () => {
      const err = await fail(bzImage(compress(kind, elf)));
      expect(err.code).toBe('unsupported-compression');
      expect(err.message).toContain(`${kind}-compressed payload`);
    });
  }
  it('bad headers and payloads are one-line errors with a code', async () => {
    expect((await fail(bzImage(gzipSync(elf), { protocol: 0x206 }))).code).toBe('old-boot-protocol');
    expect((await fail(bzImage(gzipSync(elf), { lengthDelta: 1 << 20 }))).code).toBe('bad-payload');
    const corrupt = gzipSync(elf);
    corrupt.fill(0x55, 20, 200);
    expect((await fail(bzImage(corrupt))).code).toBe('bad-gzip');
    expect((await fail(bzImage(gzipSync(Buffer.alloc(100_000, 7))))).code).toBe('payload-not-elf');
    expect((await fail(Buffer.from('not a kernel at all'))).code).toBe('not-a-kernel-image');
  });
});

describe('arm64 Images', () => {
  const rawId = '1234567890abcdef1234567890abcdef12345678';
  it('a raw Image: the note outside the embedded vDSO', async () => {
    expect(await imageBuildId('Image', armImage([rawId]))).toEqual({ buildId: rawId, format: 'Image' });
  });
  it('a gzip-ed Image (Ubuntu, Debian trixie)', async () => {
    expect(await imageBuildId('vmlinuz', gzipSync(armImage([rawId])))).toEqual({ buildId: rawId, format: 'Image', compression: 'gzip' });
  });
  it('an EFI zboot image', async () => {
    const payload = compress('gzip', armImage([rawId]));
    const head = Buffer.alloc(0x200);
    head.write('MZ', 0, 'latin1');
    head.write('zimg', 4, 'latin1');
    head.writeUInt32LE(head.length, 8);
    head.writeUInt32LE(payload.length, 12);
    head.write('gzip', 0x18, 'latin1');
    expect(await imageBuildId('vmlinuz.efi', Buffer.concat([head, payload]))).toEqual({ buildId: rawId, format: 'zboot', compression: 'gzip' });
  });
  it('no kernel note, or two: no guess', async () => {
    expect((await fail(armImage([]))).code).toBe('no-build-id');
    expect((await fail(armImage([rawId, 'ff'.repeat(20)]))).message).toContain('2 GNU build-id notes');
  });
});

describe('LZ4 legacy frames', () => {
  const inputs: [string, Buffer][] = [
    ['text', Buffer.from('the quick brown fox '.repeat(5000))],
    ['random', Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 2654435761) >>> 24))],
    ['runs (overlapping matches)', Buffer.concat(Array.from({ length: 200 }, (_, i) => Buffer.alloc(1 + i * 37, i)))],
    ['two 8 MiB blocks', Buffer.alloc(9 << 20, 0x5a)],
  ];
  for (const [name, data] of inputs) {
    it.skipIf(!hasTool('lz4', ['--version']))(`${name}: as lz4 -l wrote it`, () => {
      const packed = execFileSync('lz4', ['-l', '-c', '-q'], { input: data, maxBuffer: 1 << 28 });
      expect(Buffer.from(lz4LegacyDecompress(packed)).equals(data)).toBe(true);
    });
  }
  it.skipIf(!hasTool('lz4', ['--version']))('mutated frames end in an Error, never a crash or a hang', () => {
    const packed = execFileSync('lz4', ['-l', '-c', '-q'], { input: inputs[0]![1] });
    let seed = 7;
    const next = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    for (let round = 0; round < 300; round++) {
      const bad = Buffer.from(packed.subarray(0, 8 + next(packed.length - 8)));
      for (let k = 0; k < 1 + next(4); k++) bad[4 + next(bad.length - 4)] = next(256);
      try {
        lz4LegacyDecompress(bad);
      } catch (err) {
        expect(err).toBeInstanceOf(Error);
      }
    }
  });
});

const cache = process.env.CRASHNAV_CACHE ?? path.join(os.homedir(), '.cache', 'crashnav');
const realImages: [string, string, string][] = [
  ['Debian 6.1 amd64 (LZ4 bzImage)', 'pkg/image/boot', 'pkg/dbg/usr/lib/debug/boot'],
  ['Debian 6.12 amd64 (zstd bzImage)', 'pkg-6.12/image/boot', 'pkg-6.12/dbg/usr/lib/debug/boot'],
  ['Debian 6.1 arm64 (raw Image)', 'pkg-arm64/image/boot', 'pkg-arm64/dbg/usr/lib/debug/boot'],
];
describe('Debian kernel images against their -dbg vmlinux', () => {
  for (const [name, imageDir, dbgDir] of realImages) {
    const image = firstFile(path.join(cache, imageDir), 'vmlinuz-');
    const vmlinux = firstFile(path.join(cache, dbgDir), 'vmlinux-');
    it.skipIf(!image || !vmlinux)(`${name} (skipped without scripts/fetch-debian.sh image and dbg)`, async () => {
      const got = await imageBuildId(image!, readFileSync(image!));
      expect(got.buildId).toBe(readFileBuildId(vmlinux!));
    }, 120_000);
  }
});

function firstFile(d: string, prefix: string): string | undefined {
  if (!existsSync(d)) return undefined;
  const f = readdirSync(d).find((n) => n.startsWith(prefix));
  return f && path.join(d, f);
}
