package io.hvx.cpu.interp;

/**
 * The architectural user-mode state of one vCPU: general registers, RIP, RFLAGS, segment bases, XMM.
 *
 * <p>The status flags are lazy. Arithmetic records its last flag-setting operation in {@link #flagOp},
 * {@link #flagA}, {@link #flagB} and {@link #flagRes}, and the six {@link #STATUS} bits of {@link #rflags} are
 * stale while {@code flagOp != 0}. The one rule for code that touches {@code rflags} directly: call
 * {@link #materializeFlags()} before reading or writing any status bit, or the whole register (PUSHF, SYSCALL's
 * R11, interrupt frames, signal frames, POPF, IRET, SYSRET); {@link #flags()} does both for a read. The other
 * bits (TF, IF, DF, IOPL, NT, RF, AC...) are always current and may be read and written directly.
 */
public final class CpuState {
    public static final int RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
    public static final long CF = 1, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7, TF = 1 << 8,
            IF = 1 << 9, DF = 1 << 10, OF = 1 << 11;
    /** The arithmetic flags: the ones instructions write. */
    public static final long STATUS = CF | PF | AF | ZF | SF | OF;

    public final long[] regs = new long[16];
    /** XMM0..15 as (low, high) quadword pairs. */
    public final long[] xmm = new long[32];
    public long rip;
    /** RFLAGS; bit 1 always reads as one; the {@link #STATUS} bits only after {@link #materializeFlags()}. */
    public long rflags = 2;
    /** The pending flag-setting operation ({@link LazyFlags} kind and operand size), 0 when none is pending. */
    public int flagOp;
    /** The pending operation's first operand, masked to its size. */
    public long flagA;
    /** The pending operation's second operand (or saved carry, or extra flag bits: see {@link LazyFlags}). */
    public long flagB;
    /** The pending operation's result, masked to its size. */
    public long flagRes;
    public long fsBase;
    public long gsBase;
    public int mxcsr = 0x1F80;
    /**
     * Bases of CS, SS, DS and ES by {@code Instruction.SEG_*} (slot 0, no segment, stays zero); used only outside
     * 64-bit mode, where every memory operand is segmented. FS and GS use {@link #fsBase} and {@link #gsBase}.
     */
    public final long[] segBase = new long[8];
    /** Stack pointer width in bytes: 8 in 64-bit mode, else 4 or 2 by SS.B. */
    public int stackSize = 8;
    /** x87 significands by physical register (MMX registers alias them). */
    public final long[] fpMant = new long[8];
    /** x87 sign and biased exponent (sign in bit 15) by physical register. */
    public final int[] fpExp = new int[8];
    /** x87 control word; FNINIT's value. */
    public int fcw = 0x037F;
    /** x87 status word without TOP (bits 11..13 are kept in {@link #fpTop}). */
    public int fsw;
    /** The x87 stack top, 0..7. */
    public int fpTop;
    /** Abridged x87 tag: bit i set when physical register i holds a value. */
    public int fpTags;

    /** Folds the pending flag-setting operation into {@link #rflags}; cheap when none is pending. */
    public void materializeFlags() {
        if (flagOp != 0) {
            rflags = (rflags & ~STATUS) | LazyFlags.status(this);
            flagOp = 0;
        }
    }

    /** RFLAGS with current status bits. */
    public long flags() {
        materializeFlags();
        return rflags;
    }
}
