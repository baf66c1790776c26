// The kernel log readers over memory the test lays out from the kernel's struct definitions
// (kernel/printk/printk_ringbuffer.h; printk.c's struct printk_log), with offsets given to the reader only
// through VMCOREINFO; the expected text follows makedumpfile 1.7.2's rules (printk.c, dump_record).
import { describe, expect, it } from 'vitest';
import { type KernelMemory, openX86_64KernelMemory, readKernelLog, renderConsoleLog, renderMakedumpfileDmesg } from '../../vmcore/index.js';
import { SyntheticKernel, pagingVmcoreinfo } from './synthetic-kernel.js';

const image = 0xffffffff82000000n;
const heap = 0xffff888004000000n;

/** Little-endian fields written into a fresh byte array. */
class Fields {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }
  u8(at: number, v: number) { this.view.setUint8(at, v); return this; }
  u16(at: number, v: number) { this.view.setUint16(at, v, true); return this; }
  u32(at: number, v: number) { this.view.setUint32(at, v, true); return this; }
  u64(at: number, v: bigint) { this.view.setBigUint64(at, BigInt.asUintN(64, v), true); return this; }
  text(at: number, s: Uint8Array | string) { this.bytes.set(typeof s === 'string' ? Buffer.from(s, 'latin1') : s, at); return this; }
}

function memoryOf(kernel: SyntheticKernel, vmcoreinfo: string[]): KernelMemory {
  return openX86_64KernelMemory(kernel.dump(pagingVmcoreinfo(kernel, { physBase: 0n, extra: vmcoreinfo })));
}

/** Reads the log 300 times with VMCOREINFO values replaced at random: records or a VmcoreError, fast. */
function surviveLies(kernel: SyntheticKernel, vmcoreinfo: string[]): void {
  let seed = 5;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const values = ['-8', '0', '1', '7', '9', '4096', '2147483648', '1099511627776', 'x'];
  for (let round = 0; round < 300; round++) {
    const lies = vmcoreinfo.map((line) => (random() < 0.1 ? line.replace(/=.*/, `=${values[Math.floor(random() * values.length)]}`) : line));
    const started = performance.now();
    try {
      readKernelLog(memoryOf(kernel, lies));
    } catch (err) {
      expect((err as Error).name, String(err)).toBe('VmcoreError');
    }
    expect(performance.now() - started, lies.join(' ')).toBeLessThan(500);
  }
}

// Offsets deliberately unlike 6.1's (atomic counters not at 0, padding in the descriptor) so a reader
// that assumed a layout instead of reading VMCOREINFO would fail.
const prbLayout = {
  'SIZE(printk_ringbuffer)': 96, 'OFFSET(printk_ringbuffer.desc_ring)': 8, 'OFFSET(printk_ringbuffer.text_data_ring)': 64,
  'OFFSET(prb_desc_ring.count_bits)': 0, 'OFFSET(prb_desc_ring.descs)': 8, 'OFFSET(prb_desc_ring.infos)': 16,
  'OFFSET(prb_desc_ring.head_id)': 24, 'OFFSET(prb_desc_ring.tail_id)': 40,
  'SIZE(prb_desc)': 32, 'OFFSET(prb_desc.state_var)': 0, 'OFFSET(prb_desc.text_blk_lpos)': 16,
  'OFFSET(prb_data_blk_lpos.begin)': 0, 'OFFSET(prb_data_blk_lpos.next)': 8,
  'SIZE(printk_info)': 40, 'OFFSET(printk_info.seq)': 0, 'OFFSET(printk_info.ts_nsec)': 8,
  'OFFSET(printk_info.text_len)': 16, 'OFFSET(printk_info.caller_id)': 20,
  'OFFSET(prb_data_ring.size_bits)': 0, 'OFFSET(prb_data_ring.data)': 8,
  'SIZE(atomic_long_t)': 16, 'OFFSET(atomic_long_t.counter)': 8,
} as const;
const L = prbLayout;

interface RingRecord {
  id: bigint;
  state: 0n | 1n | 2n | 3n;
  /** The descriptor's id field when it is not `id` (a slot a newer or older record holds). */
  heldId?: bigint;
  begin: bigint;
  next: bigint;
  textLen: number;
  ts: bigint;
  level?: number;
  caller?: number;
}

/** A printk_ringbuffer of 2^3 descriptors and 2^8 text bytes, its data straddling a page boundary. */
function ringKernel(records: RingRecord[], head: bigint, tail: bigint, dataBytes: Fields): KernelMemory {
  const { kernel, vmcoreinfo } = ringLayout(records, head, tail, dataBytes);
  return memoryOf(kernel, vmcoreinfo);
}

function ringLayout(records: RingRecord[], head: bigint, tail: bigint, dataBytes: Fields) {
  const k = new SyntheticKernel(4);
  k.back(image, 4096);
  k.back(heap, 4 * 4096);
  const prbVar = image;
  const rb = image + 0x100n;
  const descs = heap;
  const infos = heap + 0x1000n;
  const data = heap + 0x3000n - 0x80n;
  const count = 8;
  k.writeVirtual(prbVar, new Fields(8).u64(0, rb).bytes);
  const ring = new Fields(L['SIZE(printk_ringbuffer)']);
  const dr = L['OFFSET(printk_ringbuffer.desc_ring)'];
  ring.u32(dr + L['OFFSET(prb_desc_ring.count_bits)'], 3)
    .u64(dr + L['OFFSET(prb_desc_ring.descs)'], descs)
    .u64(dr + L['OFFSET(prb_desc_ring.infos)'], infos)
    .u64(dr + L['OFFSET(prb_desc_ring.head_id)'] + L['OFFSET(atomic_long_t.counter)'], head)
    .u64(dr + L['OFFSET(prb_desc_ring.tail_id)'] + L['OFFSET(atomic_long_t.counter)'], tail);
  const tr = L['OFFSET(printk_ringbuffer.text_data_ring)'];
  ring.u32(tr + L['OFFSET(prb_data_ring.size_bits)'], 8).u64(tr + L['OFFSET(prb_data_ring.data)'], data);
  k.writeVirtual(rb, ring.bytes);
  const d = new Fields(count * L['SIZE(prb_desc)']);
  const inf = new Fields(count * L['SIZE(printk_info)']);
  for (const r of records) {
    const slot = Number(r.id % BigInt(count));
    const at = slot * L['SIZE(prb_desc)'];
    d.u64(at + L['OFFSET(prb_desc.state_var)'] + L['OFFSET(atomic_long_t.counter)'], (r.state << 62n) | (r.heldId ?? r.id));
    d.u64(at + L['OFFSET(prb_desc.text_blk_lpos)'] + L['OFFSET(prb_data_blk_lpos.begin)'], r.begin);
    d.u64(at + L['OFFSET(prb_desc.text_blk_lpos)'] + L['OFFSET(prb_data_blk_lpos.next)'], r.next);
    const i = slot * L['SIZE(printk_info)'];
    inf.u64(i + L['OFFSET(printk_info.seq)'], r.id + 1000n)
      .u64(i + L['OFFSET(printk_info.ts_nsec)'], r.ts)
      .u16(i + L['OFFSET(printk_info.text_len)'], r.textLen)
      .u8(i + L['OFFSET(printk_info.text_len)'] + 3, (r.level ?? 6) << 5)
      .u32(i + L['OFFSET(printk_info.caller_id)'], r.caller ?? 1);
  }
  k.writeVirtual(descs, d.bytes);
  k.writeVirtual(infos, inf.bytes);
  k.writeVirtual(data, dataBytes.bytes);
  const vmcoreinfo = [`SYMBOL(prb)=${prbVar.toString(16)}`, ...Object.entries(prbLayout).map(([key, v]) => `${key}=${v}`)];
  return { kernel: k, vmcoreinfo };
}

describe('the lockless printk ring buffer (5.10+)', () => {
  // Text blocks: an 8-byte id, then the text; lpos values count bytes since boot, the ring is 256 bytes.
  const data = new Fields(256)
    .text(8, 'wrapped \x1b esc \xc3\xa9\tTAB') // id 13's block, wrapped to the start (20 bytes)
    .text(40, 'truncated') // id 14's block holds 8 of its text_len 50
    .text(200, 'hello') // id 9
    .text(216, 'two\nlines'); // id 10
  const records = (overrides: Partial<Record<string, RingRecord>> = {}) => {
    const recs: Record<string, RingRecord> = {
      stale: { id: 8n, heldId: 0n, state: 2n, begin: 0n, next: 16n, textLen: 3, ts: 1n },
      hello: { id: 9n, state: 2n, begin: 256n + 192n, next: 256n + 208n, textLen: 5, ts: 1_500_000_000n, level: 4, caller: 0x80000002 },
      two: { id: 10n, state: 1n, begin: 256n + 208n, next: 256n + 232n, textLen: 9, ts: 2_000_001_999n },
      reserved: { id: 11n, state: 0n, begin: 256n + 232n, next: 256n + 240n, textLen: 4, ts: 2_500_000_000n },
      dataless: { id: 12n, state: 2n, begin: 1n, next: 1n, textLen: 0, ts: 2_600_000_000n },
      wrapped: { id: 13n, state: 2n, begin: 256n + 240n, next: 512n + 28n, textLen: 20, ts: 3_000_000_000n, caller: 42 },
      truncated: { id: 14n, state: 2n, begin: 512n + 32n, next: 512n + 48n, textLen: 50, ts: 123456_789_012_345n },
      ...overrides,
    };
    return Object.values(recs).filter((r): r is RingRecord => r !== undefined);
  };
  const ring = () => ringKernel(records(), 14n, 8n, data);

  it('renders committed and finalized records as makedumpfile --dump-dmesg does', () => {
    const log = readKernelLog(ring());
    expect(log.source).toBe('printk_ringbuffer');
    expect(renderMakedumpfileDmesg(log.records).toString('latin1')).toBe(
      [
        '[    1.500000] hello',
        '[    2.000001] two',
        '               lines',
        '[    3.000000] wrapped \\x1b esc \\xffffffc3\\xffffffa9\tTAB',
        '[123456.789012] truncate',
        '',
      ].join('\n'),
    );
    expect(log.warnings).toEqual(['record id 11 was being written at the crash (reserved): left out']);
  });

  it('gives each record its seq, level and caller, and renders them as a console prints', () => {
    const log = readKernelLog(ring());
    const hello = log.records[0]!;
    expect([hello.seq, hello.level, hello.callerId]).toEqual([1009n, 4, 0x80000002]);
    expect(renderConsoleLog(log.records.slice(0, 2), { callerIds: true })).toBe(
      '[    1.500000][    C2] hello\n[    2.000001][    T1] two\n[    2.000001][    T1] lines\n',
    );
  });

  it('reads a ring whose tail is a whole ring behind as its last count records', () => {
    const k = ring();
    const log = readKernelLog(k);
    // Same ring, the tail pushed 2^62 ids back: still the 4 records, and a warning.
    const far = ringKernel([{ id: 14n, state: 2n, begin: 512n + 32n, next: 512n + 48n, textLen: 8, ts: 5n }], 14n, 14n - 100n, data);
    const farLog = readKernelLog(far);
    expect(log.records).toHaveLength(4);
    expect(farLog.records.map((r) => r.seq)).toEqual([1014n]);
    expect(farLog.warnings[0]).toMatch(/more than a ring/);
  });

  it('survives seeded corruption of the ring: records or a VmcoreError, in bounded time', () => {
    let seed = 17;
    const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    let failed = 0;
    for (let round = 0; round < 200; round++) {
      const { kernel, vmcoreinfo } = ringLayout(records(), 14n, 8n, data);
      // The pages after the page tables hold prb, the descriptors, infos and text: flip bytes in them.
      const pfns = [...kernel.pages.keys()].slice(-6);
      for (let flips = 1 + Math.floor(random() * 8); flips > 0; flips--) {
        const page = kernel.pages.get(pfns[Math.floor(random() * pfns.length)]!)!;
        page[Math.floor(random() * 512)] = Math.floor(random() * 256);
      }
      const started = performance.now();
      try {
        const log = readKernelLog(memoryOf(kernel, vmcoreinfo));
        expect(log.records.length).toBeLessThanOrEqual(8);
        renderMakedumpfileDmesg(log.records);
      } catch (err) {
        expect((err as Error).name, String(err)).toBe('VmcoreError');
        failed++;
      }
      expect(performance.now() - started).toBeLessThan(500);
    }
    // The mutations reach both outcomes: some rings still read, some are refused.
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThan(200);
  });

  it('leaves out the records whose text is on a page the dump lacks, and keeps the others', () => {
    const { kernel, vmcoreinfo } = ringLayout(records(), 14n, 8n, data);
    // The data ring's last 128 bytes (hello's and two's blocks) are on the page at heap + 0x3000.
    kernel.pages.delete(Number(kernel.leafOf(heap + 0x3000n) / 4096n));
    const log = readKernelLog(memoryOf(kernel, vmcoreinfo));
    expect(log.records.map((r) => r.seq)).toEqual([1013n, 1014n]);
    expect(log.warnings).toContainEqual(expect.stringMatching(/^2 records left out: their memory is not in the dump \(first: record id 9: .*0xffff888004003000: physical page .* is not in the dump\)$/));
  });

  it('survives seeded lies in VMCOREINFO: records or a VmcoreError, in bounded time', () => {
    const { kernel, vmcoreinfo } = ringLayout(records(), 14n, 8n, data);
    surviveLies(kernel, vmcoreinfo);
  });

  it('refuses VMCOREINFO offsets outside the sizes it gives', () => {
    const { kernel, vmcoreinfo } = ringLayout(records(), 14n, 8n, data);
    const lying = vmcoreinfo.map((line) => (line.startsWith('SIZE(printk_info)=') ? 'SIZE(printk_info)=16' : line));
    expect(() => readKernelLog(memoryOf(kernel, lying))).toThrow(/offsets lie outside their sizes/);
  });

  it('names the missing VMCOREINFO entry', () => {
    const k = new SyntheticKernel(4);
    k.back(image, 4096);
    const mem = memoryOf(k, [`SYMBOL(prb)=${image.toString(16)}`]);
    expect(() => readKernelLog(mem)).toThrow(/VMCOREINFO lacks OFFSET\(atomic_long_t.counter\)/);
  });
});

describe('the structured log_buf (3.5-5.9)', () => {
  // struct printk_log: u64 ts_nsec; u16 len, text_len, dict_len; u8 facility; u8 flags:5, level:3; u32 caller_id
  const header = 24;
  const record = (buf: Fields, at: number, len: number, text: string, ts: bigint, level: number) =>
    buf.u64(at, ts).u16(at + 8, len).u16(at + 10, text.length).u8(at + 15, level << 5).u32(at + 16, 7).text(at + header, text);

  function logBufKernel(first: number, next: number, buf: Fields) {
    const { kernel, vmcoreinfo } = logBufLayout(first, next, buf);
    return memoryOf(kernel, vmcoreinfo);
  }

  function logBufLayout(first: number, next: number, buf: Fields) {
    const k = new SyntheticKernel(4);
    k.back(image, 4096);
    k.back(heap, 4096);
    k.writeVirtual(image, new Fields(8).u64(0, heap).bytes);
    k.writeVirtual(image + 8n, new Fields(12).u32(0, buf.bytes.length).u32(4, first).u32(8, next).bytes);
    k.writeVirtual(heap, buf.bytes);
    return { kernel: k, vmcoreinfo: [
      `SYMBOL(log_buf)=${image.toString(16)}`,
      `SYMBOL(log_buf_len)=${(image + 8n).toString(16)}`,
      `SYMBOL(log_first_idx)=${(image + 12n).toString(16)}`,
      `SYMBOL(log_next_idx)=${(image + 16n).toString(16)}`,
      `SIZE(printk_log)=${header}`,
      'OFFSET(printk_log.ts_nsec)=0',
      'OFFSET(printk_log.len)=8',
      'OFFSET(printk_log.text_len)=10',
      'OFFSET(printk_log.caller_id)=16',
    ] };
  }

  it('follows the records from log_first_idx through the end marker back to the start', () => {
    const buf = new Fields(256);
    record(buf, 192, 40, 'oldest record', 10_000n, 3); // then a zero len at 232: wrap
    record(buf, 0, 32, 'new', 20_000_000n, 6);
    record(buf, 32, 32, 'last\x7f', 3_000_000_000n, 0);
    const log = readKernelLog(logBufKernel(192, 64, buf));
    expect(log.source).toBe('log_buf');
    expect(renderMakedumpfileDmesg(log.records).toString('latin1')).toBe(
      '[    0.000010] oldest record\n[    0.020000] new\n[    3.000000] last\\x7f\n',
    );
    expect(log.records.map((r) => [r.level, r.callerId, r.seq])).toEqual([[3, 7, undefined], [6, 7, undefined], [0, 7, undefined]]);
  });

  it('survives seeded lies in VMCOREINFO: records or a VmcoreError, in bounded time', () => {
    const buf = new Fields(256);
    record(buf, 192, 40, 'oldest record', 10_000n, 3);
    record(buf, 0, 32, 'new', 20_000_000n, 6);
    const { kernel, vmcoreinfo } = logBufLayout(192, 32, buf);
    surviveLies(kernel, vmcoreinfo);
  });

  it('stops at a record chain that never reaches log_next_idx, keeping what it read', () => {
    const buf = new Fields(256);
    record(buf, 0, 32, 'a', 1n, 6);
    record(buf, 32, 16, 'b', 2n, 6); // shorter than its header: broken
    const log = readKernelLog(logBufKernel(0, 128, buf));
    expect(log.records.map((r) => Buffer.from(r.text).toString())).toEqual(['a']);
    expect(log.warnings[0]).toMatch(/broken log_buf record at index 32/);
  });
});
