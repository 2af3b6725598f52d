package io.hvx.cpu.interp;

import static io.hvx.cpu.interp.CpuState.DF;
import static io.hvx.cpu.interp.CpuState.RAX;
import static io.hvx.cpu.interp.CpuState.RCX;
import static io.hvx.cpu.interp.CpuState.RDX;
import static io.hvx.cpu.interp.CpuState.STATUS;

import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.memory.GuestFault;

/** System instructions as a CPL 3 process under Linux sees them: SYSCALL exits to the OS layer, the rest fault. */
final class UserPrivileged implements Privileged {
    private final CpuState cpu;
    private final Interpreter in;

    UserPrivileged(CpuState cpu, Interpreter in) {
        this.cpu = cpu;
        this.in = in;
    }

    @Override
    public int execute(Instruction i) {
        long[] r = cpu.regs;
        switch (i.op) {
            case SYSCALL -> {
                r[RCX] = cpu.rip;
                r[11] = cpu.flags();
                return ExecStatus.SYSCALL;
            }
            case CPUID -> Cpuid.execute(r);
            case RDTSC -> {
                long t = System.nanoTime();
                r[RAX] = t & 0xFFFFFFFFL;
                r[RDX] = t >>> 32;
            }
            case POPF -> {
                // CPL 3 with IOPL 0: IF, IOPL and the system flags are silently kept
                long m = STATUS | DF | 0x40000 | 0x200000;
                if (i.opSize == 2) {
                    m &= 0xFFFF;
                }
                long v = in.pop(i.opSize);
                cpu.materializeFlags();
                cpu.rflags = (cpu.rflags & ~m) | (v & m) | 2;
            }
            case INT3 -> throw new GuestFault(GuestFault.Kind.BREAKPOINT, i.address, false);
            case INTO, SYSRET, PUSH_SREG, POP_SREG, JMP_FAR, CALL_FAR ->
                    throw new GuestFault(GuestFault.Kind.UNDEFINED_OPCODE, i.address, false);
            default -> throw new GuestFault(GuestFault.Kind.GENERAL_PROTECTION, i.address, false);
        }
        return ExecStatus.CONTINUE;
    }
}
