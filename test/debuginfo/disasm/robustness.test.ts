// Arbitrary bytes and text never make the disassemblers or the Code: parser throw: every byte is
// accounted for exactly once (an undecodable one as objdump's `(bad)`/`.inst`), in bounded time.
import { describe, expect, it } from 'vitest';
import { decodeCode, disassemble, parseCodeLine } from '../../../debuginfo/index.js';

function seeded(seed: number): () => number {
  let s = seed;
  return () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296);
}

function randomBytes(random: () => number, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => Math.floor(random() * 256));
}

describe('disassembling arbitrary bytes', () => {
  it.each(['x86_64', 'arm64'] as const)('%s: 2,000 random buffers, every byte once, contiguous addresses', async (arch) => {
    const random = seeded(arch === 'x86_64' ? 1 : 2);
    const started = performance.now();
    for (let n = 0; n < 2000; n++) {
      const length = arch === 'arm64' ? 4 * Math.floor(random() * 16) : Math.floor(random() * 64);
      const bytes = randomBytes(random, length);
      const base = 0xffffffff80000000n + BigInt(Math.floor(random() * 0x7fffffff));
      const insns = await disassemble({ arch, bytes, address: base, nameAddress: () => undefined });
      let at = base;
      for (const insn of insns) {
        expect(insn.address).toBe(at);
        expect(insn.bytes.length).toBeGreaterThan(0);
        at += BigInt(insn.bytes.length);
      }
      expect(at - base).toBe(BigInt(length));
    }
    expect(performance.now() - started).toBeLessThan(60_000);
  });
});

describe('parsing and decoding arbitrary Code: lines', () => {
  it('never throws, and reports problems for what is not code', async () => {
    const random = seeded(3);
    const alphabet = '0123456789abcdefxyz<>() \t:Code';
    for (let n = 0; n < 2000; n++) {
      const body = Array.from({ length: Math.floor(random() * 120) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
      const parsed = parseCodeLine(`Code: ${body}`);
      if (parsed.value === undefined) expect(parsed.problems.length).toBeGreaterThan(0);
      else if (parsed.value.unitSize !== 2) await decodeCode(parsed.value);
    }
  });
});
