/**
 * The sandbox's seccomp filter: it refuses `setsid` with EPERM and allows everything else.
 *
 * Why only that: without a cgroup (an ordinary user's runner with no delegated subtree), the
 * one CPU bound a terminal has is the kernel's autogroup. The pseudo-terminal puts the shell in
 * a session of its own, and with `kernel.sched_autogroup_enabled` each session is one
 * scheduling group, so sixteen busy loops in a terminal weigh as much as one process of the
 * runner's session. `setsid` is the only way to make another autogroup: refused, a learner
 * cannot multiply their share. A shell needs no new session (job control uses process groups).
 *
 * The program is classic BPF over `struct seccomp_data` (nr at offset 0, arch at 4), as
 * bubblewrap's `--seccomp FD` takes it: for each architecture the lab runs on, and its 32-bit
 * compat ABI, the number of `setsid`; other architectures are allowed as they are.
 */

const BPF_LD_W_ABS = 0x20;
const BPF_JEQ_K = 0x15;
const BPF_RET_K = 0x06;
const SECCOMP_RET_ALLOW = 0x7fff0000;
/** SECCOMP_RET_ERRNO | EPERM: the call fails with "Operation not permitted". */
const SECCOMP_RET_EPERM = 0x00050000 | 1;
const X32_SYSCALL_BIT = 0x40000000;

/** `setsid`'s number per AUDIT_ARCH_* (linux/audit.h, and each architecture's syscall table). */
export const SETSID_BY_ARCH: { arch: number; name: string; numbers: number[] }[] = [
  { arch: 0xc000003e, name: 'x86_64', numbers: [112, X32_SYSCALL_BIT + 112] },
  { arch: 0x40000003, name: 'i386', numbers: [66] },
  { arch: 0xc00000b7, name: 'aarch64', numbers: [157] },
  { arch: 0x40000028, name: 'arm', numbers: [66] },
];

interface Instruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** The filter as instructions (exported for its test, which runs them). */
export function setsidFilter(): Instruction[] {
  const program: Instruction[] = [];
  const loadArch = { code: BPF_LD_W_ABS, jt: 0, jf: 0, k: 4 };
  const loadNr = { code: BPF_LD_W_ABS, jt: 0, jf: 0, k: 0 };
  const allow = { code: BPF_RET_K, jt: 0, jf: 0, k: SECCOMP_RET_ALLOW };
  const deny = { code: BPF_RET_K, jt: 0, jf: 0, k: SECCOMP_RET_EPERM };
  for (const { arch, numbers } of SETSID_BY_ARCH) {
    // [load arch] [arch? else skip this block] [load nr] [nr == n? deny]... [allow]
    const block: Instruction[] = [loadNr];
    numbers.forEach((n, i) => {
      // Jump over the rest of the comparisons and the allow to the deny that ends the block.
      block.push({ code: BPF_JEQ_K, jt: numbers.length - i, jf: 0, k: n });
    });
    block.push(allow, deny);
    program.push(loadArch, { code: BPF_JEQ_K, jt: 0, jf: block.length, k: arch }, ...block);
  }
  program.push(allow);
  return program;
}

/** The filter in the kernel's `struct sock_filter` layout (8 bytes each, host byte order). */
export function setsidFilterBytes(): Buffer {
  const program = setsidFilter();
  const bytes = Buffer.alloc(program.length * 8);
  const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  program.forEach(({ code, jt, jf, k }, i) => {
    if (little) {
      bytes.writeUInt16LE(code, i * 8);
      bytes.writeUInt32LE(k, i * 8 + 4);
    } else {
      bytes.writeUInt16BE(code, i * 8);
      bytes.writeUInt32BE(k, i * 8 + 4);
    }
    bytes.writeUInt8(jt, i * 8 + 2);
    bytes.writeUInt8(jf, i * 8 + 3);
  });
  return bytes;
}
