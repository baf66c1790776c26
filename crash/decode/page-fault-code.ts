// x86 page-fault error code (arch/x86/include/asm/trap_pf.h): which bits say what about the faulting access.

export interface DecodedValue {
  raw: string;
  /** One line a newcomer can read. */
  text: string;
  /** The named bits or fields that were set. */
  parts: string[];
}

const bits: [number, string, string][] = [
  [1 << 0, 'PROT', 'protection violation on a present page'],
  [1 << 1, 'WRITE', 'write'],
  [1 << 2, 'USER', 'user mode'],
  [1 << 3, 'RSVD', 'reserved bit set in a page-table entry'],
  [1 << 4, 'INSTR', 'instruction fetch'],
  [1 << 5, 'PK', 'protection-key violation'],
  [1 << 6, 'SHSTK', 'shadow-stack access'],
  [1 << 15, 'SGX', 'SGX (enclave) access'],
];

export function decodePageFaultCode(code: number): DecodedValue {
  const parts = bits.filter(([bit]) => code & bit).map(([, name]) => name);
  const words = [
    code & 1 ? 'protection violation on a present page' : 'not-present page',
    code & 2 ? 'write' : 'read',
    code & 4 ? 'user mode' : 'kernel mode',
    code & 16 ? 'instruction fetch' : 'not an instruction fetch',
  ];
  for (const [bit, , text] of bits.slice(3)) if (bit !== 16 && code & bit) words.push(text);
  return { raw: '0x' + code.toString(16).padStart(4, '0'), text: words.join(', '), parts };
}
