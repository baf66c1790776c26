// Where an ELF file's bytes come from: a file read with positioned reads (vmlinux is ~600 MB and is
// never read whole) or bytes already in memory (a decompressed `.ko.xz`, a test's buffer).
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ElfFormatError } from './errors.js';

export interface ByteSource {
  readonly size: number;
  /** Reads `length` bytes at `offset`; returns fewer only at the end of the data. */
  read(offset: number, length: number): Uint8Array;
  /** Reads `length` bytes at `offset` into the start of `target`; returns the count read (fewer only at the end). */
  readInto(offset: number, length: number, target: Uint8Array): number;
  close(): void;
}

export function fileByteSource(path: string): ByteSource {
  const fd = openSync(path, 'r');
  const stat = fstatSync(fd);
  if (stat.isDirectory()) {
    // Reading would fail with Node's EISDIR, whose message does not name the path.
    closeSync(fd);
    throw new ElfFormatError({ file: path, section: '(file)', offset: 0, code: 'not-a-file' }, 'a directory, not an ELF file');
  }
  const size = stat.size;
  let closed = false;
  const readInto = (offset: number, length: number, target: Uint8Array): number => {
    const n = Math.max(0, Math.min(length, size - offset, target.length));
    let done = 0;
    while (done < n) {
      const got = readSync(fd, target, done, n - done, offset + done);
      if (got === 0) break;
      done += got;
    }
    return done;
  };
  return {
    size,
    read(offset, length) {
      const n = Math.max(0, Math.min(length, size - offset));
      // Every byte is overwritten by the read: skip zero-filling (units are read by the megabyte).
      // Small reads (headers) share Node's buffer pool instead of each owning an ArrayBuffer.
      const buf = n < 4096 ? Buffer.allocUnsafe(n) : Buffer.allocUnsafeSlow(n);
      const done = readInto(offset, n, buf);
      return done === n ? buf : buf.subarray(0, done);
    },
    readInto,
    close() {
      if (!closed) closeSync(fd);
      closed = true;
    },
  };
}

export function memoryByteSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read(offset, length) {
      return bytes.subarray(Math.max(0, offset), Math.min(bytes.length, offset + length));
    },
    readInto(offset, length, target) {
      const part = bytes.subarray(Math.max(0, offset), Math.min(bytes.length, offset + length, offset + target.length));
      target.set(part);
      return part.length;
    },
    close() {},
  };
}
