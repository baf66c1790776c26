// An arm64 exception frame's registers as crash's `bt` prints them (arm64.c): the interrupted PC with its
// symbol in brackets (crash's decimal offset), LR and SP, then x29 down to x0, three to a line. A frame
// taken in user mode has no symbol and puts PC, LR and SP on one line. crash/'s session parser reads the
// kernel form's `PC:` line as the faulting frame.
import type { Arm64SavedRegisters } from './arm64-unwind.js';

const hex16 = (v: bigint) => v.toString(16).padStart(16, '0');

export function renderArm64Saved(symbol: { name: string; offset: bigint } | undefined, saved: Arm64SavedRegisters): string[] {
  const r = saved.regs;
  const out: string[] = [];
  if (saved.userMode) {
    out.push(`     PC: ${hex16(r.pc)}   LR: ${hex16(r.x[30]!)}   SP: ${hex16(r.sp)}`);
  } else {
    const where = symbol ? `${symbol.name}${symbol.offset > 0n ? `+${symbol.offset}` : ''}` : 'unknown or invalid address';
    out.push(`     PC: ${hex16(r.pc)}  [${where}]`, `     LR: ${hex16(r.x[30]!)}`, `     SP: ${hex16(r.sp)}  PSTATE: ${r.pstate.toString(16).padStart(8, '0')}`);
  }
  for (let i = 29; i >= 0; i -= 3) {
    const row: string[] = [];
    for (let j = i; j > i - 3 && j >= 0; j--) row.push(`${`X${j}`.padStart(3)}: ${hex16(r.x[j]!)}`);
    out.push('    ' + row.join('  '));
  }
  if (saved.userMode) out.push(`    PSTATE: ${r.pstate.toString(16).padStart(8, '0')}`);
  return out;
}

/** Whether a frame's saved registers are arm64's (x0..x30) rather than x86-64's. */
export function isArm64Saved(saved: { regs: object }): saved is Arm64SavedRegisters {
  return 'x' in saved.regs;
}
