package io.hvx.cpu.interp;

import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.memory.LinearMemory;

/**
 * The x87 FPU (opcodes D8..DF): the register stack, tags, control and status words, with arithmetic in
 * {@link Float80}. Exceptions take their masked response (what glibc runs with); an unmasked one only
 * sets ES and B in the status word.
 */
final class X87 {
    static final int SW_SF = 0x40, SW_ES = 0x80, SW_C0 = 0x100, SW_C1 = 0x200, SW_C2 = 0x400, SW_C3 = 0x4000,
            SW_B = 0x8000;
    private static final int CC = SW_C0 | SW_C1 | SW_C2 | SW_C3;
    private static final int KEEP_C1 = -1;

    private final CpuState cpu;
    private final LinearMemory mem;
    private final Interpreter in;
    private final Float80 f = new Float80();
    private final long[] mant;
    private final int[] exp;

    X87(CpuState cpu, LinearMemory mem, Interpreter in) {
        this.cpu = cpu;
        this.mem = mem;
        this.in = in;
        this.mant = cpu.fpMant;
        this.exp = cpu.fpExp;
    }

    // ---- stack

    private int phys(int i) {
        return (cpu.fpTop + i) & 7;
    }

    private boolean empty(int i) {
        return (cpu.fpTags & (1 << phys(i))) == 0;
    }

    private void set(int i, int se, long m) {
        int p = phys(i);
        exp[p] = se & 0xFFFF;
        mant[p] = m;
        cpu.fpTags |= 1 << p;
    }

    private void pop() {
        cpu.fpTags &= ~(1 << cpu.fpTop);
        cpu.fpTop = (cpu.fpTop + 1) & 7;
    }

    /** Pushes a value; on a full stack the masked response pushes the indefinite value. */
    private void push(int se, long m) {
        int p = (cpu.fpTop - 1) & 7;
        if ((cpu.fpTags & (1 << p)) != 0) {
            raise(Float80.IE | SW_SF, SW_C1);
            se = Float80.INDEFINITE_SE;
            m = Float80.INDEFINITE_M;
        }
        cpu.fpTop = p;
        set(0, se, m);
    }

    /** Whether pushing would overflow the stack (checked before a load has side effects). */
    private boolean full() {
        return (cpu.fpTags & (1 << ((cpu.fpTop - 1) & 7))) != 0;
    }

    private int se(int i) {
        return exp[phys(i)];
    }

    private long m(int i) {
        return mant[phys(i)];
    }

    /**
     * Records exceptions: sticky flags, and C1 set to {@code c1} (the stack-fault direction or the
     * rounding indicator).
     */
    private void raise(int exc, int c1) {
        int sw = cpu.fsw | (exc & 0x7F);
        if (c1 >= 0) {
            sw = (sw & ~SW_C1) | c1;
        }
        if ((exc & 0x3F & ~cpu.fcw) != 0) {
            sw |= SW_ES | SW_B;
        }
        cpu.fsw = sw;
    }

    private void underflow() {
        raise(Float80.IE | SW_SF, 0);
    }

    private void setCc(int cc) {
        cpu.fsw = (cpu.fsw & ~CC) | cc;
    }

    private void begin() {
        f.begin();
        f.rc = (cpu.fcw >>> 10) & 3;
        int pc = (cpu.fcw >>> 8) & 3;
        f.precision = pc == 0 ? 24 : pc == 2 ? 53 : 64;
    }

    /** Writes the arithmetic result to ST(dst) and records its exceptions (C1: rounded up). */
    private void finish(int dst) {
        set(dst, f.se, f.m);
        raise(f.exc, f.roundedUp && (f.exc & Float80.PE) != 0 ? SW_C1 : 0);
    }

    /** The status word as FNSTSW reports it. */
    int statusWord() {
        return (cpu.fsw & ~0x3800) | (cpu.fpTop << 11);
    }

    private void loadStatusWord(int sw) {
        cpu.fsw = sw & ~0x3800;
        cpu.fpTop = (sw >>> 11) & 7;
    }

    private static GuestFault ud(Instruction i) {
        return new GuestFault(GuestFault.Kind.UNDEFINED_OPCODE, i.address, false);
    }

    // ---- execution

    void execute(Instruction i) {
        int op = i.opcode & 0xFF;
        int reg = i.reg & 7;
        if (i.mod != 3) {
            memoryForm(i, op, reg, in.ea(i));
        } else {
            registerForm(i, op, reg, i.rm & 7);
        }
    }

    private void memoryForm(Instruction i, int op, int reg, long a) {
        switch (op) {
            case 0xD8 -> {
                begin();
                f.fromFloat(mem.read32(a), false);
                arithWithOperand(reg, f.se, f.m, f.exc);
            }
            case 0xDC -> {
                begin();
                f.fromDouble(mem.read64(a), false);
                arithWithOperand(reg, f.se, f.m, f.exc);
            }
            case 0xDA -> {
                begin();
                f.fromInteger((int) mem.read32(a));
                arithWithOperand(reg, f.se, f.m, 0);
            }
            case 0xDE -> {
                begin();
                f.fromInteger((short) mem.read16(a));
                arithWithOperand(reg, f.se, f.m, 0);
            }
            case 0xD9 -> {
                switch (reg) {
                    case 0 -> {
                        int v = mem.read32(a);
                        begin();
                        f.fromFloat(v);
                        loadConverted();
                    }
                    case 2, 3 -> storeReal(a, false, reg == 3);
                    case 4 -> loadEnvironment(a);
                    case 5 -> cpu.fcw = mem.read16(a);
                    case 6 -> {
                        storeEnvironment(a);
                        cpu.fcw |= 0x3F;
                    }
                    case 7 -> mem.write16(a, cpu.fcw);
                    default -> throw ud(i);
                }
            }
            case 0xDB -> {
                switch (reg) {
                    case 0 -> {
                        long v = mem.read32(a);
                        begin();
                        f.fromInteger(v);
                        loadConverted();
                    }
                    case 1, 2, 3 -> storeInteger(a, 4, reg == 1, reg != 2);
                    case 5 -> {
                        long m = mem.read64(a);
                        int se = mem.read16(a + 8);
                        begin();
                        loadRaw(se, m);
                    }
                    case 7 -> {
                        if (empty(0)) {
                            underflow();
                            store80(a, Float80.INDEFINITE_SE, Float80.INDEFINITE_M);
                        } else {
                            store80(a, se(0), m(0));
                            setCc(cpu.fsw & (CC & ~SW_C1));
                        }
                        pop();
                    }
                    default -> throw ud(i);
                }
            }
            case 0xDD -> {
                switch (reg) {
                    case 0 -> {
                        long v = mem.read64(a);
                        begin();
                        f.fromDouble(v);
                        loadConverted();
                    }
                    case 1 -> storeInteger(a, 8, true, true);
                    case 2, 3 -> storeReal(a, true, reg == 3);
                    case 4 -> restoreState(a);
                    case 6 -> {
                        saveState(a);
                        initialize();
                    }
                    case 7 -> mem.write16(a, statusWord());
                    default -> throw ud(i);
                }
            }
            case 0xDF -> {
                switch (reg) {
                    case 0 -> {
                        long v = (short) mem.read16(a);
                        begin();
                        f.fromInteger(v);
                        loadConverted();
                    }
                    case 1, 2, 3 -> storeInteger(a, 2, reg == 1, reg != 2);
                    case 4 -> {
                        long lo = mem.read64(a);
                        int hi = mem.read16(a + 8);
                        begin();
                        f.fromInteger(Bcd.magnitude(lo, hi));
                        if (Bcd.negative(hi)) {
                            f.se |= 0x8000;
                        }
                        loadConverted();
                    }
                    case 5 -> {
                        long v = mem.read64(a);
                        begin();
                        f.fromInteger(v);
                        loadConverted();
                    }
                    case 6 -> storeBcd(a);
                    case 7 -> storeInteger(a, 8, false, true);
                    default -> throw ud(i);
                }
            }
            default -> throw ud(i);
        }
    }

    /** Pushes the converted value in {@link #f}; a full stack takes precedence over its exceptions. */
    private void loadConverted() {
        if (full()) {
            push(0, 0);
            return;
        }
        int exc = f.exc;
        push(f.se, f.m);
        raise(exc, 0);
    }

    private void loadRaw(int se, long m) {
        if (full()) {
            push(0, 0);
            return;
        }
        push(se, m);
        raise(0, 0);
    }

    private void store80(long a, int se, long m) {
        mem.read16(a + 8); // fault before any byte is written
        mem.write16(a + 8, se);
        mem.write64(a, m);
    }

    /** FST/FSTP m32 or m64: rounds ST(0) under the control word; an empty ST(0) stores the indefinite NaN. */
    private void storeReal(long a, boolean m64, boolean popAfter) {
        if (empty(0)) {
            underflow();
            if (m64) {
                mem.write64(a, 0xFFF8000000000000L);
            } else {
                mem.write32(a, 0xFFC00000);
            }
        } else {
            begin();
            if (m64) {
                mem.write64(a, f.toDouble(se(0), m(0)));
            } else {
                mem.write32(a, f.toFloat(se(0), m(0)));
            }
            raise(f.exc, f.roundedUp && (f.exc & Float80.PE) != 0 ? SW_C1 : 0);
        }
        if (popAfter) {
            pop();
        }
    }

    private void storeInteger(long a, int bytes, boolean truncate, boolean popAfter) {
        long v;
        if (empty(0)) {
            underflow();
            v = 1L << (bytes * 8 - 1);
        } else {
            begin();
            v = f.toInteger(se(0), m(0), bytes * 8, truncate);
            raise(f.exc, f.roundedUp && (f.exc & Float80.PE) != 0 ? SW_C1 : 0);
        }
        mem.write(a, bytes, v);
        if (popAfter) {
            pop();
        }
    }

    private void storeBcd(long a) {
        long lo;
        int hi;
        if (empty(0)) {
            underflow();
            lo = Bcd.INDEFINITE_LO;
            hi = Bcd.INDEFINITE_HI;
        } else {
            begin();
            long v = f.toInteger(se(0), m(0), 64, false);
            if ((f.exc & Float80.IE) != 0 || v == Long.MIN_VALUE || Math.abs(v) > Bcd.MAX) {
                f.exc = (f.exc & ~Float80.PE) | Float80.IE;
                lo = Bcd.INDEFINITE_LO;
                hi = Bcd.INDEFINITE_HI;
            } else {
                lo = Bcd.encodeLow(Math.abs(v));
                hi = Bcd.encodeHigh(Math.abs(v), Float80.sign(se(0)));
            }
            raise(f.exc, f.roundedUp && (f.exc & Float80.PE) != 0 ? SW_C1 : 0);
        }
        mem.read16(a + 8);
        mem.write16(a + 8, hi);
        mem.write64(a, lo);
        pop();
    }

    /** D8/DC/DA/DE with a memory operand: ST(0) op operand, or a compare. */
    private void arithWithOperand(int reg, int bSe, long bM, int loadExc) {
        if (empty(0)) {
            underflow();
            if (reg == 2 || reg == 3) {
                setCc(SW_C0 | SW_C2 | SW_C3);
                if (reg == 3) {
                    pop();
                }
            } else {
                set(0, Float80.INDEFINITE_SE, Float80.INDEFINITE_M);
            }
            return;
        }
        int aSe = se(0);
        long aM = m(0);
        // the conversion of the memory operand may have raised IE (signaling NaN) or DE (denormal)
        if (reg == 2 || reg == 3) {
            compare(aSe, aM, bSe, bM, false, false, loadExc);
            if (reg == 3) {
                pop();
            }
            return;
        }
        compute(reg, aSe, aM, bSe, bM);
        if (Float80.isNaN(aSe, aM) || Float80.isUnsupported(aSe, aM) || (f.exc & (Float80.ZE | Float80.IE)) != 0) {
            loadExc &= ~Float80.DE; // a NaN result reports no denormal operand
        }
        f.exc |= loadExc;
        finish(0);
    }

    private void compute(int k, int aSe, long aM, int bSe, long bM) {
        begin();
        switch (k) {
            case 0 -> f.add(aSe, aM, bSe, bM, false);
            case 1 -> f.mul(aSe, aM, bSe, bM);
            case 4 -> f.add(aSe, aM, bSe, bM, true);
            case 5 -> f.add(bSe, bM, aSe, aM, true);
            case 6 -> f.div(aSe, aM, bSe, bM);
            default -> f.div(bSe, bM, aSe, aM);
        }
    }

    /** Compares and sets C3/C2/C0 (or ZF/PF/CF for FCOMI). */
    private void compare(int aSe, long aM, int bSe, long bM, boolean quiet, boolean eflags, int loadExc) {
        begin();
        int exc = loadExc;
        int result;
        boolean unsupported = Float80.isUnsupported(aSe, aM) || Float80.isUnsupported(bSe, bM);
        boolean nan = Float80.isNaN(aSe, aM) || Float80.isNaN(bSe, bM);
        if (unsupported || nan) {
            exc &= ~Float80.DE;
            if (unsupported || !quiet || Float80.isSignaling(aSe, aM) || Float80.isSignaling(bSe, bM)) {
                exc |= Float80.IE;
            }
            result = 3;
        } else {
            if (Float80.isDenormal(aSe, aM) || Float80.isDenormal(bSe, bM)) {
                exc |= Float80.DE;
            }
            int c = compareValues(aSe, aM, bSe, bM);
            result = c > 0 ? 0 : c < 0 ? 1 : 2;
        }
        if (eflags) {
            long fl = switch (result) {
                case 0 -> 0;
                case 1 -> CpuState.CF;
                case 2 -> CpuState.ZF;
                default -> CpuState.ZF | CpuState.PF | CpuState.CF;
            };
            cpu.materializeFlags();
            cpu.rflags = (cpu.rflags & ~CpuState.STATUS) | fl;
            raise(exc, KEEP_C1);
        } else {
            int cc = switch (result) {
                case 0 -> 0;
                case 1 -> SW_C0;
                case 2 -> SW_C3;
                default -> SW_C0 | SW_C2 | SW_C3;
            };
            setCc(cc);
            raise(exc, 0);
        }
    }

    private static int compareValues(int aSe, long aM, int bSe, long bM) {
        boolean az = Float80.isZero(aSe, aM);
        boolean bz = Float80.isZero(bSe, bM);
        if (az && bz) {
            return 0;
        }
        boolean as = Float80.sign(aSe);
        boolean bs = Float80.sign(bSe);
        if (az) {
            return bs ? 1 : -1;
        }
        if (bz) {
            return as ? -1 : 1;
        }
        if (as != bs) {
            return as ? -1 : 1;
        }
        int ea = Float80.exp(aSe) == 0 ? 1 : Float80.exp(aSe);
        int eb = Float80.exp(bSe) == 0 ? 1 : Float80.exp(bSe);
        int mag = ea != eb ? Integer.compare(ea, eb) : Long.compareUnsigned(aM, bM);
        return as ? -mag : mag;
    }

    private void registerForm(Instruction i, int op, int reg, int r) {
        switch (op) {
            case 0xD8 -> {
                if (reg == 2 || reg == 3) {
                    compareRegister(r, false, reg == 3 ? 1 : 0, false);
                } else {
                    arithRegisters(reg, 0, r, false);
                }
            }
            case 0xDC -> {
                if (reg == 2 || reg == 3) {
                    compareRegister(r, false, reg == 3 ? 1 : 0, false);
                } else {
                    arithRegisters(reg ^ (reg >= 4 ? 1 : 0), r, 0, false);
                }
            }
            case 0xDE -> {
                if (reg == 3 && r == 1) {
                    compareRegister(1, false, 2, false); // FCOMPP
                } else if (reg == 2 || reg == 3) {
                    compareRegister(r, false, 1, false);
                } else {
                    arithRegisters(reg ^ (reg >= 4 ? 1 : 0), r, 0, true);
                }
            }
            case 0xD9 -> registerD9(i, reg, r);
            case 0xDA -> {
                if (reg == 5 && r == 1) {
                    compareRegister(1, true, 2, false); // FUCOMPP
                } else if (reg < 4) {
                    conditionalMove(r, switch (reg) {
                        case 0 -> (cpu.flags() & CpuState.CF) != 0;
                        case 1 -> (cpu.flags() & CpuState.ZF) != 0;
                        case 2 -> (cpu.flags() & (CpuState.CF | CpuState.ZF)) != 0;
                        default -> (cpu.flags() & CpuState.PF) != 0;
                    });
                } else {
                    throw ud(i);
                }
            }
            case 0xDB -> {
                if (reg < 4) {
                    conditionalMove(r, switch (reg) {
                        case 0 -> (cpu.flags() & CpuState.CF) == 0;
                        case 1 -> (cpu.flags() & CpuState.ZF) == 0;
                        case 2 -> (cpu.flags() & (CpuState.CF | CpuState.ZF)) == 0;
                        default -> (cpu.flags() & CpuState.PF) == 0;
                    });
                } else if (reg == 4) {
                    switch (r) {
                        case 2 -> cpu.fsw &= ~(0x3F | SW_SF | SW_ES | SW_B); // FNCLEX
                        case 3 -> initialize(); // FNINIT
                        case 0, 1, 4 -> { } // FENI/FDISI/FSETPM: no-ops on later FPUs
                        default -> throw ud(i);
                    }
                } else if (reg == 5) {
                    compareRegister(r, true, 0, true);
                } else if (reg == 6) {
                    compareRegister(r, false, 0, true);
                } else {
                    throw ud(i);
                }
            }
            case 0xDD -> {
                switch (reg) {
                        case 0 -> { // FFREE
                            cpu.fpTags &= ~(1 << phys(r));
                            raise(0, 0);
                        }
                        case 1 -> exchange(r); // FXCH alias
                        case 2, 3 -> {
                            if (empty(0)) {
                                underflow();
                                set(r, Float80.INDEFINITE_SE, Float80.INDEFINITE_M);
                            } else {
                                set(r, se(0), m(0));
                                raise(0, 0);
                            }
                            if (reg == 3) {
                                pop();
                            }
                        }
                        case 4 -> compareRegister(r, true, 0, false);
                        case 5 -> compareRegister(r, true, 1, false);
                        default -> throw ud(i);
                    }
                }
                case 0xDF -> {
                switch (reg) {
                        case 0 -> { // FFREEP
                            cpu.fpTags &= ~(1 << phys(r));
                            raise(0, 0);
                            pop();
                        }
                        case 1 -> exchange(r);
                        case 2, 3 -> { // FSTP aliases
                            if (empty(0)) {
                                underflow();
                                set(r, Float80.INDEFINITE_SE, Float80.INDEFINITE_M);
                            } else {
                                set(r, se(0), m(0));
                                raise(0, 0);
                            }
                            pop();
                        }
                        case 4 -> {
                            if (r != 0) {
                                throw ud(i);
                            }
                            in.setReg(CpuState.RAX, 2, true, statusWord());
                        }
                        case 5 -> compareRegister(r, true, 1, true);
                        case 6 -> compareRegister(r, false, 1, true);
                        default -> throw ud(i);
                    }
                }
                default -> throw ud(i);
            }
        }

        /** ST(dst) = ST(a) op ST(b) for the D8 (k as encoded) and DC/DE (k already un-reversed) forms. */
        private void arithRegisters(int k, int dst, int src, boolean popAfter) {
            int a = dst;
            int b = src;
            if (empty(a) || empty(b)) {
                underflow();
                set(dst, Float80.INDEFINITE_SE, Float80.INDEFINITE_M);
            } else {
                compute(k, se(a), m(a), se(b), m(b));
                finish(dst);
            }
            if (popAfter) {
                pop();
            }
        }

        private void compareRegister(int r, boolean quiet, int pops, boolean eflags) {
            if (empty(0) || empty(r)) {
                underflow();
                if (eflags) {
                    cpu.materializeFlags();
                    cpu.rflags = (cpu.rflags & ~CpuState.STATUS) | CpuState.ZF | CpuState.PF | CpuState.CF;
                } else {
                    setCc(SW_C0 | SW_C2 | SW_C3);
                }
            } else {
                compare(se(0), m(0), se(r), m(r), quiet, eflags, 0);
            }
            for (int k = 0; k < pops; k++) {
                pop();
            }
        }

        private void conditionalMove(int r, boolean take) {
            if (empty(0) || empty(r)) {
                underflow();
                set(0, Float80.INDEFINITE_SE, Float80.INDEFINITE_M);
                return;
            }
            raise(0, KEEP_C1);
            if (take) {
                set(0, se(r), m(r));
            }
        }

        private void exchange(int r) {
            boolean e0 = empty(0);
            boolean er = empty(r);
            if (e0 || er) {
                underflow();
            } else {
                raise(0, 0);
            }
            int s0 = e0 ? Float80.INDEFINITE_SE : se(0);
            long m0 = e0 ? Float80.INDEFINITE_M : m(0);
            int sr = er ? Float80.INDEFINITE_SE : se(r);
            long mr = er ? Float80.INDEFINITE_M : m(r);
            set(0, sr, mr);
            set(r, s0, m0);
        }

        private void registerD9(Instruction i, int reg, int r) {
            switch (reg) {
                case 0 -> { // FLD ST(i)
                    if (empty(r)) {
                        underflow(); // reported as underflow even when the stack is also full
                        cpu.fpTop = (cpu.fpTop - 1) & 7;
                        set(0, Float80.INDEFINITE_SE, Float80.INDEFINITE_M);
                        return;
                    }
                    loadRaw(se(r), m(r));
                }
                case 1 -> exchange(r);
                case 2 -> {
                    if (r != 0) {
                        throw ud(i);
                    }
                } // FNOP
                case 3 -> { // FSTP1 alias
                    if (empty(0)) {
                        underflow();
                        set(r, Float80.INDEFINITE_SE, Float80.INDEFINITE_M);
                    } else {
                        set(r, se(0), m(0));
                        raise(0, 0);
                    }
                    pop();
                }
                case 4 -> {
                    switch (r) {
                        case 0, 1 -> { // FCHS, FABS
                            if (empty(0)) {
                                underflow();
                                set(0, Float80.INDEFINITE_SE, Float80.INDEFINITE_M);
                                return;
                            }
                            int se = r == 0 ? se(0) ^ 0x8000 : se(0) & 0x7FFF;
                            set(0, se, m(0));
                            raise(0, 0);
                        }
                        case 4 -> { // FTST
                            if (empty(0)) {
                                underflow();
                                setCc(SW_C0 | SW_C2 | SW_C3);
                                return;
                            }
                            compare(se(0), m(0), 0, 0, false, false, 0);
                        }
                        case 5 -> examine();
                        default -> throw ud(i);
                    }
                }
                case 5 -> loadConstant(i, r);
                case 6, 7 -> X87Functions.execute(this, i, reg == 6 ? r : r + 8);
                default -> throw ud(i);
            }
        }

        private void examine() {
            int cc;
            if (empty(0)) {
                cc = SW_C3 | SW_C0;
            } else {
                int se = se(0);
                long m = m(0);
                if (Float80.isUnsupported(se, m)) {
                    cc = 0;
                } else if (Float80.isNaN(se, m)) {
                    cc = SW_C0;
                } else if (Float80.isInf(se, m)) {
                    cc = SW_C2 | SW_C0;
                } else if (Float80.isZero(se, m)) {
                    cc = SW_C3;
                } else if (Float80.isDenormal(se, m)) {
                    cc = SW_C3 | SW_C2;
                } else {
                    cc = SW_C2;
                }
            }
            // C1 is the sign bit of the physical register, even when it is empty
            if ((exp[cpu.fpTop] & 0x8000) != 0) {
                cc |= SW_C1;
            }
            setCc(cc);
        }

        // truncated constants (high 64 bits) and whether round-to-nearest rounds them up
        private static final long[] CONST_M = {
            0x8000000000000000L, 0xD49A784BCD1B8AFEL, 0xB8AA3B295C17F0BBL, 0xC90FDAA22168C234L,
            0x9A209A84FBCFF798L, 0xB17217F7D1CF79ABL, 0};
        private static final int[] CONST_SE = {0x3FFF, 0x4000, 0x3FFF, 0x4000, 0x3FFD, 0x3FFE, 0};
        private static final boolean[] CONST_NEAREST_UP = {false, false, true, true, true, true, false};

        private void loadConstant(Instruction i, int r) {
            if (r == 7) {
                throw ud(i);
            }
            long m = CONST_M[r];
            int rc = (cpu.fcw >>> 10) & 3;
            boolean exact = r == 0 || r == 6;
            if (!exact && (rc == Float80.RC_UP || (rc == Float80.RC_NEAREST && CONST_NEAREST_UP[r]))) {
                m++;
            }
            if (full()) {
                push(0, 0);
                return;
            }
            push(CONST_SE[r], m);
            raise(0, 0);
        }

        // ---- used by the transcendental and miscellaneous D9 group

        Float80 math() {
            return f;
        }

        boolean isEmpty(int i) {
            return empty(i);
        }

        int signExp(int i) {
            return se(i);
        }

        long significand(int i) {
            return m(i);
        }

        void store(int i, int se, long m) {
            set(i, se, m);
        }

        void popStack() {
            pop();
        }

        void pushValue(int se, long m) {
            push(se, m);
        }

        boolean stackFull() {
            return full();
        }

        void stackUnderflow() {
            underflow();
        }

        void prepare() {
            begin();
        }

        void record(int exc, int c1) {
            raise(exc, c1);
        }

        void conditionCodes(int cc) {
            setCc(cc);
        }

        /** Sets or clears C2 alone (the trigonometric functions leave C0 and C3 as they were). */
        void setC2(boolean on) {
            cpu.fsw = (cpu.fsw & ~SW_C2) | (on ? SW_C2 : 0);
        }

        void decrementTop() {
            cpu.fpTop = (cpu.fpTop - 1) & 7;
        }

        void incrementTop() {
            cpu.fpTop = (cpu.fpTop + 1) & 7;
        }

        // ---- state save and restore

        void initialize() {
            cpu.fcw = 0x037F;
            cpu.fsw = 0;
            cpu.fpTop = 0;
            cpu.fpTags = 0;
        }

        /** The full two-bit tag word (FNSTENV/FNSAVE format) computed from the contents. */
        int fullTagWord() {
            int tw = 0;
            for (int p = 0; p < 8; p++) {
                int t;
                if ((cpu.fpTags & (1 << p)) == 0) {
                    t = 3;
                } else {
                    int se = exp[p];
                    long m = mant[p];
                    if (Float80.isZero(se, m)) {
                        t = 1;
                    } else if (Float80.exp(se) == 0 || Float80.exp(se) == 0x7FFF || (m & Float80.MSB) == 0) {
                        t = 2;
                    } else {
                        t = 0;
                    }
                }
                tw |= t << (2 * p);
            }
            return tw;
        }

        private void storeEnvironment(long a) {
            mem.read32(a + 24); // fault before any byte is written
            mem.write32(a, cpu.fcw | 0xFFFF0000);
            mem.write32(a + 4, statusWord() | 0xFFFF0000);
            mem.write32(a + 8, fullTagWord() | 0xFFFF0000);
            mem.write32(a + 12, 0);
            mem.write32(a + 16, 0);
            mem.write32(a + 20, 0);
            mem.write32(a + 24, 0xFFFF0000);
        }

        private void loadEnvironment(long a) {
            int cw = mem.read16(a);
            int sw = mem.read16(a + 4);
            int tw = mem.read16(a + 8);
            cpu.fcw = cw;
            loadStatusWord(sw);
            int tags = 0;
            for (int p = 0; p < 8; p++) {
                if (((tw >>> (2 * p)) & 3) != 3) {
                    tags |= 1 << p;
                }
            }
            cpu.fpTags = tags;
        }

        private void saveState(long a) {
            mem.read16(a + 107);
            storeEnvironment(a);
            for (int k = 0; k < 8; k++) {
                int p = phys(k);
                mem.write64(a + 28 + k * 10, mant[p]);
                mem.write16(a + 36 + k * 10, exp[p]);
            }
        }

        private void restoreState(long a) {
            mem.read16(a + 107);
            loadEnvironment(a);
            for (int k = 0; k < 8; k++) {
                int p = phys(k);
                mant[p] = mem.read64(a + 28 + k * 10);
                exp[p] = mem.read16(a + 36 + k * 10);
            }
        }
    }
