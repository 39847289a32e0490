import { describe, expect, it } from 'vitest';
import { SETSID_BY_ARCH, setsidFilter, setsidFilterBytes } from './sandbox-seccomp.ts';

const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;

/** Runs the classic BPF program as the kernel does for one syscall (only the opcodes it uses). */
function verdict(arch: number, nr: number): number {
  const program = setsidFilter();
  let acc = 0;
  for (let pc = 0; pc < program.length; pc++) {
    const { code, jt, jf, k } = program[pc]!;
    if (code === 0x20) acc = k === 4 ? arch : k === 0 ? nr : Number.NaN;
    else if (code === 0x15) pc += acc === k ? jt : jf;
    else if (code === 0x06) return k;
    else throw new Error(`unexpected opcode ${code}`);
  }
  throw new Error('the program ran off its end');
}

describe('the sandbox seccomp filter', () => {
  it('refuses setsid with EPERM on every architecture it knows, the compat ABIs included', () => {
    for (const { arch, numbers } of SETSID_BY_ARCH) for (const nr of numbers) expect(verdict(arch, nr)).toBe(EPERM);
  });

  it('allows every other call, including the numbers setsid has elsewhere', () => {
    const x86_64 = 0xc000003e;
    for (const nr of [0, 1, 57, 59, 66, 109, 111, 113, 157, 435]) expect(verdict(x86_64, nr)).toBe(ALLOW);
    expect(verdict(0xc00000b7, 112)).toBe(ALLOW);
    expect(verdict(0x40000003, 112)).toBe(ALLOW);
    // An architecture the lab does not run on is left as it is.
    expect(verdict(0x80000016, 112)).toBe(ALLOW);
  });

  it("is laid out as the kernel's struct sock_filter, 8 bytes an instruction", () => {
    const bytes = setsidFilterBytes();
    expect(bytes.length).toBe(setsidFilter().length * 8);
    // First instruction: BPF_LD|BPF_W|BPF_ABS of the arch (offset 4 of seccomp_data).
    expect(bytes.readUInt16LE(0)).toBe(0x20);
    expect(bytes.readUInt32LE(4)).toBe(4);
  });
});
