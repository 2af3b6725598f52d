package io.hvx.cpu.linux;

import io.hvx.cpu.interp.CpuState;
import io.hvx.cpu.interp.Fxsave;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.memory.GuestMemory;

/**
 * Linux's x86-64 rt_sigframe, built on the guest stack when a handler runs and read back by rt_sigreturn.
 * <pre>
 * rsp -> pretcode (sa_restorer)        8
 *        ucontext: flags, link, stack  40
 *                  mcontext (sigcontext) 256: r8..r15 rdi rsi rbp rbx rdx rax rcx rsp rip eflags cs/gs/fs/ss
 *                                             err trapno oldmask cr2 fpstate reserved[8]
 *                  sigmask             8
 *        siginfo                       128
 *        (FXSAVE image of x87/MMX/SSE state, 64-aligned, above it)
 * </pre>
 */
final class SignalFrame {
    private SignalFrame() {
    }

    private static final int UC = 8;
    private static final int MC = UC + 40;
    private static final int SIGMASK = UC + 296;
    private static final int INFO = UC + 304;
    private static final int SIZE = INFO + 128;
    /** sigcontext order of the general registers, as CpuState indexes. */
    private static final int[] ORDER = {8, 9, 10, 11, 12, 13, 14, 15, CpuState.RDI, CpuState.RSI, CpuState.RBP,
        CpuState.RBX, CpuState.RDX, CpuState.RAX, CpuState.RCX, CpuState.RSP};

    static void enter(Task t, int sig, int code, long value, int status) {
        CpuState cpu = t.image.cpu;
        GuestMemory mem = t.image.memory;
        SignalState s = t.signals;
        long sp = cpu.regs[CpuState.RSP] - 128; // the red zone below RSP belongs to the interrupted code
        sp = (sp - 512) & -64L;
        long fp = sp;
        sp = ((sp - SIZE) & -16L) - 8;
        long oldMask = s.suspendedMask >= 0 ? s.suspendedMask : s.blocked;
        s.suspendedMask = -1;
        try {
            for (long a = sp; a < fp + 512; a += 8) {
                mem.write64(a, 0);
            }
            mem.write64(sp, s.restorer[sig]);
            mem.write32(sp + UC + 16 + 8, 2); // uc_stack.ss_flags = SS_DISABLE
            for (int k = 0; k < ORDER.length; k++) {
                mem.write64(sp + MC + 8L * k, cpu.regs[ORDER[k]]);
            }
            mem.write64(sp + MC + 128, cpu.rip);
            mem.write64(sp + MC + 136, cpu.flags());
            mem.write16(sp + MC + 144, 0x33);
            mem.write16(sp + MC + 150, 0x2B);
            mem.write64(sp + MC + 160, sig == SignalState.SIGSEGV ? 14 : 0);
            mem.write64(sp + MC + 168, oldMask);
            mem.write64(sp + MC + 176, sig == SignalState.SIGSEGV ? value : 0);
            mem.write64(sp + MC + 184, fp);
            mem.write64(sp + SIGMASK, oldMask);
            if ((s.flags[sig] & SignalState.SA_SIGINFO) != 0) { // Linux fills siginfo only when asked to
                mem.write32(sp + INFO, sig);
                mem.write32(sp + INFO + 8, code);
                mem.write64(sp + INFO + 16, value);
                if (sig == SignalState.SIGCHLD) {
                    mem.write32(sp + INFO + 24, status);
                }
            }
            Fxsave.save(cpu, mem, fp);
        } catch (GuestFault f) {
            // no room for the frame: Linux kills the process with SIGSEGV
            throw new GuestExit(SignalState.SIGSEGV);
        }
        cpu.regs[CpuState.RSP] = sp;
        cpu.regs[CpuState.RDI] = sig;
        cpu.regs[CpuState.RSI] = sp + INFO;
        cpu.regs[CpuState.RDX] = sp + UC;
        cpu.regs[CpuState.RAX] = 0;
        cpu.rip = s.handler[sig];
        cpu.rflags &= ~(CpuState.DF | CpuState.TF);
    }

    /** rt_sigreturn: restores registers, flags, SSE state and the signal mask from the frame at RSP - 8. */
    static void leave(Task t) {
        CpuState cpu = t.image.cpu;
        GuestMemory mem = t.image.memory;
        long frame = cpu.regs[CpuState.RSP] - 8;
        try {
            long[] regs = new long[ORDER.length];
            for (int k = 0; k < ORDER.length; k++) {
                regs[k] = mem.read64(frame + MC + 8L * k);
            }
            long rip = mem.read64(frame + MC + 128);
            long flags = mem.read64(frame + MC + 136);
            long fp = mem.read64(frame + MC + 184);
            long mask = mem.read64(frame + SIGMASK);
            if (fp != 0 && !Fxsave.restore(cpu, mem, fp)) {
                throw new GuestExit(SignalState.SIGSEGV); // reserved MXCSR bits: Linux's sigreturn fails alike
            }
            for (int k = 0; k < ORDER.length; k++) {
                cpu.regs[ORDER[k]] = regs[k];
            }
            cpu.rip = rip;
            long user = CpuState.STATUS | CpuState.DF | CpuState.TF | 0x40000 | 0x200000;
            cpu.materializeFlags();
            cpu.rflags = (cpu.rflags & ~user) | (flags & user) | 2;
            t.signals.blocked = mask & ~SignalState.UNBLOCKABLE;
        } catch (GuestFault f) {
            throw new GuestExit(SignalState.SIGSEGV);
        }
    }
}
