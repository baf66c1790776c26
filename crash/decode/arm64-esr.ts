// arm64 Exception Syndrome Register (Arm ARM D17.2.37; arch/arm64/include/asm/esr.h): exception class,
// and for data/instruction aborts the fault status code and the write-not-read bit.
import type { DecodedValue } from './page-fault-code.js';

const classes: Record<number, string> = {
  0x00: 'unknown reason', 0x01: 'WFI/WFE trapped', 0x07: 'SVE/SIMD/FP access trapped', 0x0e: 'illegal execution state',
  0x15: 'SVC from AArch64 (system call)', 0x18: 'MSR/MRS/system instruction trapped', 0x20: 'instruction abort from a lower EL (user)',
  0x21: 'instruction abort in the kernel (current EL)', 0x22: 'PC alignment fault', 0x24: 'data abort from a lower EL (user)',
  0x25: 'data abort in the kernel (current EL)', 0x26: 'SP alignment fault', 0x2f: 'SError interrupt', 0x30: 'breakpoint from a lower EL',
  0x31: 'breakpoint in the kernel', 0x32: 'software step from a lower EL', 0x33: 'software step in the kernel',
  0x34: 'watchpoint from a lower EL', 0x35: 'watchpoint in the kernel', 0x3c: 'BRK instruction (BUG()/WARN() in the kernel)',
};

function faultStatus(fsc: number): string {
  const level = fsc & 3;
  switch (fsc & 0x3c) {
    case 0x04: return `translation fault at level ${level} (no mapping)`;
    case 0x08: return `access flag fault at level ${level}`;
    case 0x0c: return `permission fault at level ${level}`;
    case 0x00: return `address size fault at level ${level}`;
    default:
      if (fsc === 0x10) return 'synchronous external abort';
      if (fsc === 0x11) return 'synchronous tag check fault (MTE)';
      if (fsc === 0x21) return 'alignment fault';
      if (fsc === 0x30) return 'TLB conflict abort';
      return `fault status 0x${fsc.toString(16)}`;
  }
}

export function decodeEsr(esr: bigint): DecodedValue {
  const value = Number(esr & 0xffffffffn);
  const ec = (value >>> 26) & 0x3f;
  const parts = [`EC=0x${ec.toString(16)}`];
  const words = [classes[ec] ?? `exception class 0x${ec.toString(16)}`];
  if (ec === 0x24 || ec === 0x25 || ec === 0x20 || ec === 0x21) {
    const fsc = value & 0x3f;
    parts.push(`FSC=0x${fsc.toString(16)}`);
    words.push(faultStatus(fsc));
    if (ec === 0x24 || ec === 0x25) {
      const wnr = (value >>> 6) & 1;
      parts.push(`WnR=${wnr}`);
      words.push(wnr ? 'on a write' : 'on a read');
    }
  }
  return { raw: '0x' + esr.toString(16).padStart(8, '0'), parts, text: words.join(', ') };
}
