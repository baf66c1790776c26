// The registers an instruction names, as the oops register dump spells them.
import { describe, expect, it } from 'vitest';
import { instructionRegisters } from '../../clients/report/index.js';

describe('instructionRegisters', () => {
  it('maps every width of a register to its 64-bit name, once, in operand order', () => {
    expect(instructionRegisters('movb   $0x1,(%rax)')).toEqual(['rax']);
    expect(instructionRegisters('mov    %r8d,0x8(%rbx,%rcx,4)')).toEqual(['r8', 'rbx', 'rcx']);
    expect(instructionRegisters('add    %al,%ah')).toEqual(['rax']);
    expect(instructionRegisters('cmpl   $0xc0ffee,(%rdi)')).toEqual(['rdi']);
    expect(instructionRegisters('mov    0x10(%rip),%r15w')).toEqual(['rip', 'r15']);
  });

  it('ignores immediates, symbols and segment registers', () => {
    expect(instructionRegisters('call   0x0 <_printk>')).toEqual([]);
    expect(instructionRegisters('movb   $0x1,0x0')).toEqual([]);
    expect(instructionRegisters('mov    %gs:0x28,%rax')).toEqual(['rax']);
  });

  it('reads Intel syntax too', () => {
    expect(instructionRegisters('mov byte ptr [rax], 1')).toEqual(['rax']);
  });

  it('reads arm64 operands, w and x registers alike', () => {
    expect(instructionRegisters('str     w1, [x0, #8]', 'arm64')).toEqual(['x1', 'x0']);
    expect(instructionRegisters('ldp     x29, x30, [sp], #16', 'arm64')).toEqual(['x29', 'x30', 'sp']);
    expect(instructionRegisters('mov     x0, #0x0', 'arm64')).toEqual(['x0']);
  });
});
