package io.hvx.cpu.system;

import io.hvx.cpu.decode.Decoder;
import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.decode.Op;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Decoded blocks of one vCPU in system mode, direct-mapped by (RIP, physical address, mode).
 *
 * <p>A block never leaves its 4 KiB page and keeps a copy of its bytes, which is compared with RAM each time the block
 * is entered (a few 8-byte compares). That catches every writer, including other vCPUs, devices writing by DMA and
 * page reuse, without a hook on any write path; the cost is paid per block, not per instruction.
 */
final class CodeCache {
    static final int MAX = 32;
    private static final int SIZE = 1 << 14;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    /** A straight run of instructions ending at a control transfer, a system instruction or the page's end. */
    static final class Block {
        final long rip;
        final long pa;
        final int mode;
        final Instruction[] insns = new Instruction[MAX];
        int count;
        int length;
        long[] words;

        Block(long rip, long pa, int mode) {
            this.rip = rip;
            this.pa = pa;
            this.mode = mode;
        }
    }

    private final Block[] blocks = new Block[SIZE];
    private final MemorySegment ram;
    private long builds;

    CodeCache(MemorySegment ram) {
        this.ram = ram;
    }

    /** The cached block for this entry point whose bytes are unchanged, or null. */
    Block lookup(long rip, long pa, int mode) {
        Block b = blocks[index(rip, pa)];
        if (b == null || b.rip != rip || b.pa != pa || b.mode != mode || !unchanged(b)) {
            return null;
        }
        return b;
    }

    /**
     * Decodes a block at {@code rip} (physical {@code pa}, a RAM page) through {@code code}; null when its first
     * instruction crosses into the next page (the caller decodes it alone).
     */
    Block build(CodeFetch code, long rip, long pa, int mode) {
        Block b = new Block(rip, pa, mode);
        long pageEnd = (pa & -4096L) + 4096;
        long at = rip;
        while (b.count < MAX) {
            Instruction i = new Instruction();
            try {
                Decoder.decode(code, at, i, mode);
            } catch (io.hvx.cpu.memory.GuestFault f) {
                if (b.count == 0) {
                    throw f;
                }
                break; // the fault belongs to that instruction, raised if it is ever reached
            }
            if (pa + (at - rip) + i.length > pageEnd) {
                break; // straddles into the next page, whose mapping may change independently
            }
            b.insns[b.count++] = i;
            at += i.length;
            if (endsBlock(i.op) || pa + (at - rip) >= pageEnd) {
                break;
            }
        }
        if (b.count == 0) {
            return null;
        }
        b.length = (int) (at - rip);
        b.words = new long[(b.length + 7) >>> 3];
        for (int k = 0; k < b.words.length; k++) {
            b.words[k] = ram.get(U64, wordAt(b, k));
        }
        blocks[index(rip, pa)] = b;
        builds++;
        return b;
    }

    long builds() {
        return builds;
    }

    private boolean unchanged(Block b) {
        long[] w = b.words;
        for (int k = 0; k < w.length; k++) {
            if (ram.get(U64, wordAt(b, k)) != w[k]) {
                return false;
            }
        }
        return true;
    }

    /** Word k of the block; the last word overlaps the one before so that no read leaves the block's page. */
    private static long wordAt(Block b, int k) {
        long off = Math.min(k * 8L, Math.max(0, b.length - 8));
        long a = b.pa + off;
        long pageEnd = (b.pa & -4096L) + 4096;
        return a + 8 > pageEnd ? pageEnd - 8 : a;
    }

    private static int index(long rip, long pa) {
        long h = (rip ^ (pa << 7)) * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 50);
    }

    static boolean endsBlock(Op op) {
        return switch (op) {
            case JMP, JMP_E, JCC, CALL, CALL_E, RET, RET_IMM, LOOP, LOOPE, LOOPNE, JRCXZ, UD, UD2, INT3, HLT, SYSCALL,
                 CPUID, RDTSC, POPF, CLI, STI, IN, OUT, INS, OUTS, INT, INTO, INT1, IRET, GROUP6, GROUP7, MOV_FROM_CR,
                 MOV_TO_CR, MOV_FROM_DR, MOV_TO_DR, RDMSR, WRMSR, SYSRET, CLTS, WBINVD, MOV_FROM_SREG, MOV_TO_SREG,
                 PUSH_SREG, POP_SREG, LOAD_FAR_POINTER, JMP_FAR, CALL_FAR, JMP_FAR_E, CALL_FAR_E, RETF -> true;
            default -> false;
        };
    }
}
