package io.hvx.devices.irq;

import io.hvx.devices.bus.InterruptSource;
import io.hvx.devices.bus.MmioDevice;
import io.hvx.devices.time.GuestClock;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * One vCPU's local APIC in xAPIC mode: its registers (as the 4 KiB MMIO page at 0xFEE00000), the
 * IPI sender, interrupt acceptance by priority, and the APIC timer (one-shot, periodic, TSC-deadline).
 *
 * <p>Threading: other threads (devices, the I/O APIC, other vCPUs) only call {@link #accept}, which
 * sets bits with atomic operations and wakes a halted vCPU. Everything else, register access included,
 * runs on the owning vCPU's thread, so ISR, TPR and the timer need no locks. The timer fires lazily:
 * the vCPU's checks at instruction boundaries compare the clock with the deadline.
 */
public final class LocalApic implements InterruptSource, MmioDevice {

    /** xAPIC version register: version 0x14 (integrated APIC), six LVT entries (max LVT index 5). */
    public static final int VERSION = 0x0005_0014;
    public static final long DEFAULT_BASE = 0xfee0_0000L;

    static final int REG_ID = 0x020;
    static final int REG_VERSION = 0x030;
    static final int REG_TPR = 0x080;
    static final int REG_APR = 0x090;
    static final int REG_PPR = 0x0a0;
    static final int REG_EOI = 0x0b0;
    static final int REG_RRD = 0x0c0;
    static final int REG_LDR = 0x0d0;
    static final int REG_DFR = 0x0e0;
    static final int REG_SVR = 0x0f0;
    static final int REG_ISR = 0x100;
    static final int REG_TMR = 0x180;
    static final int REG_IRR = 0x200;
    static final int REG_ESR = 0x280;
    static final int REG_LVT_CMCI = 0x2f0;
    static final int REG_ICR_LOW = 0x300;
    static final int REG_ICR_HIGH = 0x310;
    static final int REG_LVT_TIMER = 0x320;
    static final int REG_LVT_THERMAL = 0x330;
    static final int REG_LVT_PERF = 0x340;
    static final int REG_LVT_LINT0 = 0x350;
    static final int REG_LVT_LINT1 = 0x360;
    static final int REG_LVT_ERROR = 0x370;
    static final int REG_TIMER_INITIAL = 0x380;
    static final int REG_TIMER_CURRENT = 0x390;
    static final int REG_TIMER_DIVIDE = 0x3e0;

    static final int LVT_MASKED = 1 << 16;
    static final int TIMER_ONE_SHOT = 0;
    static final int TIMER_PERIODIC = 1;
    static final int TIMER_TSC_DEADLINE = 2;
    static final int SVR_ENABLED = 1 << 8;

    private static final VarHandle BITS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final long NEVER = Long.MAX_VALUE;

    private final int id;
    private final boolean bootstrap;
    private final ApicBus bus;
    private final GuestClock clock;

    // written by any thread through BITS
    private final long[] irr = new long[4];
    private final long[] tmr = new long[4];
    private volatile boolean nmiPending;
    private volatile boolean initPending;
    private volatile int startupVector = -1;
    private volatile Thread halted;

    // owned by the vCPU thread
    private final long[] isr = new long[4];
    private int apicId;
    private int tpr;
    private int ldr;
    private int dfr;
    private int svr;
    private int esr;
    private int icrHigh;
    private int icrLow;
    private final int[] lvt = new int[7];
    private int timerInitial;
    private int timerDivide;
    private int timerDivideShift;
    private long timerStart;
    private long timerDeadline = NEVER;
    private long tscDeadline;
    private long apicBase;

    /** Creates the APIC of the vCPU with {@code id} (ID 0 is the bootstrap processor) and attaches it to {@code bus}. */
    public LocalApic(int id, ApicBus bus, GuestClock clock) {
        if (id < 0 || id > 254) {
            throw new IllegalArgumentException("APIC ID %d is outside 0..254".formatted(id));
        }
        this.id = id;
        this.bootstrap = id == 0;
        this.bus = bus;
        this.clock = clock;
        reset();
        bus.attach(this);
    }

    /** Puts every register in its power-up/INIT state (the APIC ID stays). */
    private void reset() {
        for (int i = 0; i < 4; i++) {
            BITS.setVolatile(irr, i, 0L);
            BITS.setVolatile(tmr, i, 0L);
            isr[i] = 0;
        }
        apicId = id;
        tpr = 0;
        ldr = 0;
        dfr = 0xffff_ffff;
        svr = 0xff;
        esr = 0;
        icrHigh = 0;
        icrLow = 0;
        for (int i = 0; i < lvt.length; i++) {
            lvt[i] = LVT_MASKED;
        }
        timerInitial = 0;
        setDivide(0);
        timerDeadline = NEVER;
        tscDeadline = 0;
        apicBase = DEFAULT_BASE | (1 << 11) | (bootstrap ? 1 << 8 : 0);
    }

    /** The APIC ID the machine gave this vCPU (the ID register can be rewritten by the guest; routing uses this). */
    public int id() {
        return id;
    }

    int logicalId() {
        return ldr >>> 24;
    }

    boolean flatModel() {
        return (dfr >>> 28) == 0xf;
    }

    /** The IA32_APIC_BASE MSR value. */
    public long apicBaseMsr() {
        return apicBase;
    }

    /** Writes IA32_APIC_BASE; hvx keeps the APIC at its default address and in xAPIC mode. */
    public void writeApicBaseMsr(long value) {
        apicBase = (apicBase & ~(1L << 11)) | (value & (1L << 11));
    }

    /** The IA32_TSC_DEADLINE MSR. */
    public long tscDeadlineMsr() {
        return tscDeadline;
    }

    /** Writes IA32_TSC_DEADLINE: arms (or with 0 disarms) the timer when the LVT timer is in TSC-deadline mode. */
    public void writeTscDeadlineMsr(long value) {
        if (timerMode() != TIMER_TSC_DEADLINE) {
            return;
        }
        tscDeadline = value;
        timerDeadline = value == 0 ? NEVER : clock.nanosAtTsc(value);
    }


    /** Accepts an interrupt message; called from any thread. */
    void accept(int mode, int vector, boolean levelTriggered) {
        switch (mode) {
            case DeliveryMode.FIXED -> {
                if (vector < 16) {
                    return; // illegal vector: a real APIC sets ESR's receive-illegal-vector bit and drops it
                }
                long bit = 1L << (vector & 63);
                if (levelTriggered) {
                    BITS.getAndBitwiseOr(tmr, vector >>> 6, bit);
                } else {
                    BITS.getAndBitwiseAnd(tmr, vector >>> 6, ~bit);
                }
                BITS.getAndBitwiseOr(irr, vector >>> 6, bit);
            }
            case DeliveryMode.NMI -> nmiPending = true;
            case DeliveryMode.INIT -> {
                // an INIT discards an earlier startup IPI here, not when the vCPU gets to it: Linux sends INIT and
                // both SIPIs within microseconds, before a parked vCPU thread wakes
                startupVector = -1;
                initPending = true;
            }
            case DeliveryMode.STARTUP -> startupVector = vector & 0xff;
            default -> {
                return; // SMI and ExtINT have no receiver in this machine
            }
        }
        Thread waiter = halted;
        if (waiter != null) {
            LockSupport.unpark(waiter);
        }
    }

    /**
     * Blocks a halted vCPU until an event it should act on arrives, the APIC timer expires, or
     * {@code timeoutNanos} pass. With {@code interruptsEnabled} false only NMI, INIT and SIPI wake it.
     */
    public void awaitEvent(boolean interruptsEnabled, long timeoutNanos) {
        long start = clock.nanos();
        halted = Thread.currentThread();
        try {
            while (true) {
                if (nmiPending || initPending || startupVector >= 0 || (interruptsEnabled && hasPendingInterrupt())) {
                    return;
                }
                long now = clock.nanos();
                long wait = Math.min(timeoutNanos - (now - start), interruptsEnabled ? timerDeadline - now : NEVER);
                if (wait <= 0) {
                    return;
                }
                LockSupport.parkNanos(this, wait);
            }
        } finally {
            halted = null;
        }
    }

    @Override
    public boolean hasPendingInterrupt() {
        pollTimer();
        if ((svr & SVR_ENABLED) == 0) {
            return false;
        }
        int vector = highest(irr, true);
        return vector >= 0 && (vector & 0xf0) > (processorPriority() & 0xf0);
    }

    @Override
    public int acknowledgeInterrupt() {
        if (!hasPendingInterrupt()) {
            return -1;
        }
        int vector = highest(irr, true);
        BITS.getAndBitwiseAnd(irr, vector >>> 6, ~(1L << (vector & 63)));
        isr[vector >>> 6] |= 1L << (vector & 63);
        return vector;
    }

    @Override
    public boolean takeNmi() {
        if (!nmiPending) {
            return false;
        }
        nmiPending = false;
        return true;
    }

    @Override
    public boolean takeInit() {
        if (!initPending) {
            return false;
        }
        initPending = false;
        reset();
        return true;
    }

    @Override
    public int takeStartupVector() {
        int vector = startupVector;
        if (vector >= 0) {
            startupVector = -1;
        }
        return vector;
    }

    /** Guest nanoseconds (of the machine's clock) when the APIC timer fires next, or Long.MAX_VALUE. */
    public long timerDeadlineNanos() {
        return timerDeadline;
    }

    private void pollTimer() {
        if (timerDeadline == NEVER) {
            return;
        }
        long now = clock.nanos();
        if (now < timerDeadline) {
            return;
        }
        int entry = lvt[1];
        if (timerMode() == TIMER_PERIODIC && timerInitial != 0) {
            long period = periodNanos();
            // skip periods the vCPU slept through instead of delivering a burst
            long missed = (now - timerDeadline) / period;
            timerDeadline += (missed + 1) * period;
            timerStart = timerDeadline - period;
        } else {
            timerDeadline = NEVER;
            tscDeadline = 0;
        }
        if ((entry & LVT_MASKED) == 0) {
            accept(DeliveryMode.FIXED, entry & 0xff, false);
        }
    }

    private int processorPriority() {
        int isrv = highest(isr, false);
        int isrClass = isrv < 0 ? 0 : isrv & 0xf0;
        return (tpr & 0xf0) >= isrClass ? tpr & 0xff : isrClass;
    }

    private static int highest(long[] bits, boolean atomic) {
        for (int i = 3; i >= 0; i--) {
            long word = atomic ? (long) BITS.getVolatile(bits, i) : bits[i];
            if (word != 0) {
                return i * 64 + 63 - Long.numberOfLeadingZeros(word);
            }
        }
        return -1;
    }

    private void endOfInterrupt() {
        int vector = highest(isr, false);
        if (vector < 0) {
            return;
        }
        long bit = 1L << (vector & 63);
        isr[vector >>> 6] &= ~bit;
        if (((long) BITS.getVolatile(tmr, vector >>> 6) & bit) != 0) {
            bus.broadcastEoi(vector);
        }
    }


    private int timerMode() {
        return (lvt[1] >>> 17) & 3;
    }

    private void setDivide(int value) {
        timerDivide = value & 0xb;
        int code = ((value >>> 1) & 4) | (value & 3);
        timerDivideShift = code == 7 ? 0 : code + 1;
    }

    private long periodNanos() {
        return Math.max(1, GuestClock.ticksToNanos((long) Integer.toUnsignedLong(timerInitial) << timerDivideShift,
            clock.crystalHz()));
    }

    private void startTimer(int initial) {
        timerInitial = initial;
        if (initial == 0 || timerMode() == TIMER_TSC_DEADLINE) {
            timerDeadline = timerMode() == TIMER_TSC_DEADLINE ? timerDeadline : NEVER;
            return;
        }
        timerStart = clock.nanos();
        timerDeadline = timerStart + periodNanos();
    }

    private int currentCount() {
        if (timerInitial == 0 || timerDeadline == NEVER || timerMode() == TIMER_TSC_DEADLINE) {
            return 0;
        }
        long elapsed = GuestClock.nanosToTicks(clock.nanos() - timerStart, clock.crystalHz()) >>> timerDivideShift;
        long initial = Integer.toUnsignedLong(timerInitial);
        long left = timerMode() == TIMER_PERIODIC ? initial - elapsed % initial : initial - elapsed;
        return (int) Math.max(0, left);
    }


    @Override
    public long read(long offset, int size) {
        if ((offset & 0xf) != 0 || offset >= 0x400) {
            return 0;
        }
        int reg = (int) offset;
        pollTimer();
        if (reg >= REG_ISR && reg < REG_ISR + 0x80) {
            return word(isr, (reg - REG_ISR) >>> 4, false);
        }
        if (reg >= REG_TMR && reg < REG_TMR + 0x80) {
            return word(tmr, (reg - REG_TMR) >>> 4, true);
        }
        if (reg >= REG_IRR && reg < REG_IRR + 0x80) {
            return word(irr, (reg - REG_IRR) >>> 4, true);
        }
        return Integer.toUnsignedLong(switch (reg) {
            case REG_ID -> apicId << 24;
            case REG_VERSION -> VERSION;
            case REG_TPR -> tpr;
            case REG_PPR -> processorPriority();
            case REG_LDR -> ldr;
            case REG_DFR -> dfr;
            case REG_SVR -> svr;
            case REG_ESR -> esr;
            case REG_ICR_LOW -> icrLow & ~(1 << 12); // delivery is immediate: never "send pending"
            case REG_ICR_HIGH -> icrHigh;
            case REG_LVT_CMCI -> lvt[0];
            case REG_LVT_TIMER -> lvt[1];
            case REG_LVT_THERMAL -> lvt[2];
            case REG_LVT_PERF -> lvt[3];
            case REG_LVT_LINT0 -> lvt[4];
            case REG_LVT_LINT1 -> lvt[5];
            case REG_LVT_ERROR -> lvt[6];
            case REG_TIMER_INITIAL -> timerInitial;
            case REG_TIMER_CURRENT -> currentCount();
            case REG_TIMER_DIVIDE -> timerDivide;
            default -> 0;
        });
    }

    private static int word(long[] bits, int index, boolean atomic) {
        long value = atomic ? (long) BITS.getVolatile(bits, index >>> 1) : bits[index >>> 1];
        return (int) (value >>> ((index & 1) * 32));
    }

    @Override
    public void write(long offset, int size, long value) {
        if ((offset & 0xf) != 0 || offset >= 0x400) {
            return;
        }
        int v = (int) value;
        switch ((int) offset) {
            case REG_ID -> apicId = v >>> 24;
            case REG_TPR -> tpr = v & 0xff;
            case REG_EOI -> endOfInterrupt();
            case REG_LDR -> ldr = v & 0xff00_0000;
            case REG_DFR -> dfr = v | 0x0fff_ffff;
            case REG_SVR -> {
                svr = v & 0x3ff;
                if ((svr & SVR_ENABLED) == 0) {
                    for (int i = 0; i < lvt.length; i++) {
                        lvt[i] |= LVT_MASKED;
                    }
                }
            }
            case REG_ESR -> esr = 0;
            case REG_ICR_HIGH -> icrHigh = v & 0xff00_0000;
            case REG_ICR_LOW -> {
                icrLow = v;
                sendIpi(v);
            }
            case REG_LVT_CMCI -> writeLvt(0, v, 0x1_07ff);
            case REG_LVT_TIMER -> {
                int oldMode = timerMode();
                writeLvt(1, v, 0x7_00ff);
                if (timerMode() != oldMode) {
                    // switching between count-down and TSC-deadline disarms the timer
                    timerDeadline = NEVER;
                    tscDeadline = 0;
                    timerInitial = 0;
                }
            }
            case REG_LVT_THERMAL -> writeLvt(2, v, 0x1_07ff);
            case REG_LVT_PERF -> writeLvt(3, v, 0x1_07ff);
            case REG_LVT_LINT0 -> writeLvt(4, v, 0x1_a7ff);
            case REG_LVT_LINT1 -> writeLvt(5, v, 0x1_a7ff);
            case REG_LVT_ERROR -> writeLvt(6, v, 0x1_00ff);
            case REG_TIMER_INITIAL -> startTimer(v);
            case REG_TIMER_DIVIDE -> setDivide(v);
            default -> {
                // read-only or reserved: ignored, as on hardware with no error reported
            }
        }
    }

    private void writeLvt(int index, int value, int writable) {
        int masked = (svr & SVR_ENABLED) == 0 ? LVT_MASKED : 0;
        lvt[index] = (value & writable) | masked;
    }

    private void sendIpi(int icr) {
        int vector = icr & 0xff;
        int mode = (icr >>> 8) & 7;
        boolean logical = (icr & (1 << 11)) != 0;
        boolean asserted = (icr & (1 << 14)) != 0;
        boolean level = (icr & (1 << 15)) != 0;
        int shorthand = (icr >>> 18) & 3;
        if (mode == DeliveryMode.INIT && level && !asserted) {
            return; // INIT level de-assert: a synchronisation message that no modern APIC acts on
        }
        bus.send(this, shorthand, icrHigh >>> 24, logical, mode, vector, false);
    }
}
