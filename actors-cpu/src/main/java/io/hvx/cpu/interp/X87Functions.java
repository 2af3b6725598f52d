package io.hvx.cpu.interp;

import io.hvx.cpu.decode.Instruction;

/**
 * The D9 E0..FF group: remainders, square root, rounding, scaling and exponent extraction exactly in
 * {@link Float80}; the transcendental functions (F2XM1, FYL2X, FYL2XP1, FPTAN, FPATAN, FSIN, FCOS,
 * FSINCOS) through double precision, so their last bits may differ from a hardware x87.
 */
final class X87Functions {
    private static final long TRIG_LIMIT_EXP = 63; // |x| >= 2^63 leaves ST(0) unchanged with C2 set

    private X87Functions() {
    }

    static void execute(X87 x, Instruction i, int code) {
        Float80 f = x.math();
        switch (code) {
            case 6 -> {
                x.decrementTop();
                x.record(0, 0);
            }
            case 7 -> {
                x.incrementTop();
                x.record(0, 0);
            }
            case 0, 10, 12, 14, 15 -> unary(x, f, code);
            case 1, 3, 5, 8, 9, 13 -> binary(x, f, code);
            case 2, 11 -> pushingTrig(x, f, code);
            case 4 -> extract(x, f);
            default -> throw new IllegalStateException("x87 function " + code);
        }
    }

    private static void unary(X87 x, Float80 f, int code) {
        if (x.isEmpty(0)) {
            x.stackUnderflow();
            if (code >= 14) {
                x.setC2(false);
            }
            x.store(0, Float80.INDEFINITE_SE, Float80.INDEFINITE_M);
            return;
        }
        int se = x.signExp(0);
        long m = x.significand(0);
        x.prepare();
        switch (code) {
            case 10 -> f.sqrt(se, m);
            case 12 -> f.roundToInteger(se, m);
            case 0 -> viaDouble(f, se, m, 0, 0, code);
            default -> {
                if (outOfTrigRange(se, m)) {
                    x.setC2(true);
                    return;
                }
                viaDouble(f, se, m, 0, 0, code);
                x.setC2(false);
            }
        }
        x.store(0, f.se, f.m);
        x.record(f.exc, f.roundedUp && (f.exc & Float80.PE) != 0 ? X87.SW_C1 : 0);
    }

    private static boolean outOfTrigRange(int se, long m) {
        return !Float80.isNaN(se, m) && Float80.exp(se) != 0x7FFF
                && Float80.exp(se) - Float80.BIAS >= TRIG_LIMIT_EXP;
    }

    private static void binary(X87 x, Float80 f, int code) {
        if (x.isEmpty(0) || x.isEmpty(1)) {
            x.stackUnderflow();
            if (code == 5 || code == 8 || code == 13) {
                x.store(0, Float80.INDEFINITE_SE, Float80.INDEFINITE_M);
                if (code != 13) {
                    x.setC2(false);
                }
            } else {
                x.store(1, Float80.INDEFINITE_SE, Float80.INDEFINITE_M);
                x.popStack();
            }
            return;
        }
        int aSe = x.signExp(0);
        long aM = x.significand(0);
        int bSe = x.signExp(1);
        long bM = x.significand(1);
        x.prepare();
        switch (code) {
            case 5, 8 -> {
                f.remainder(aSe, aM, bSe, bM, code == 5);
                x.store(0, f.se, f.m);
                int cc;
                if ((f.exc & Float80.IE) != 0 || Float80.isNaN(aSe, aM) || Float80.isNaN(bSe, bM)) {
                    // no quotient: C0 and C3 keep their values
                    x.setC2(false);
                    x.record(f.exc, 0);
                    return;
                } else if (f.partial) {
                    cc = X87.SW_C2;
                } else {
                    long q = f.quotient;
                    cc = ((q & 4) != 0 ? X87.SW_C0 : 0) | ((q & 2) != 0 ? X87.SW_C3 : 0)
                            | ((q & 1) != 0 ? X87.SW_C1 : 0);
                }
                x.conditionCodes(cc);
                x.record(f.exc, cc & X87.SW_C1);
            }
            case 13 -> {
                scale(f, aSe, aM, bSe, bM);
                x.store(0, f.se, f.m);
                x.record(f.exc, f.roundedUp && (f.exc & Float80.PE) != 0 ? X87.SW_C1 : 0);
            }
            default -> {
                // FYL2X, FPATAN, FYL2XP1: ST(1) = f(ST(1), ST(0)), then pop
                viaDouble(f, aSe, aM, bSe, bM, code);
                x.store(1, f.se, f.m);
                x.record(f.exc, f.roundedUp && (f.exc & Float80.PE) != 0 ? X87.SW_C1 : 0);
                x.popStack();
            }
        }
    }

    private static void scale(Float80 f, int aSe, long aM, int bSe, long bM) {
        if (Float80.isNaN(aSe, aM) || Float80.isNaN(bSe, bM) || Float80.isUnsupported(aSe, aM)
                || Float80.isUnsupported(bSe, bM)) {
            f.add(aSe, aM, bSe, bM, false); // the same NaN rules as arithmetic
            return;
        }
        if (Float80.isInf(bSe, bM)) {
            boolean negative = Float80.sign(bSe);
            boolean aZero = Float80.isZero(aSe, aM);
            boolean aInf = Float80.isInf(aSe, aM);
            if ((!negative && aZero) || (negative && aInf)) {
                f.add(0x7FFF, Float80.MSB, 0xFFFF, Float80.MSB, false); // the indefinite value with IE
                return;
            }
            if (Float80.isDenormal(aSe, aM)) {
                f.exc |= Float80.DE;
            }
            if (negative) {
                f.se = aSe & 0x8000;
                f.m = aInf ? aM : 0;
                if (aInf) {
                    f.se = aSe;
                }
            } else {
                f.se = aZero ? aSe : (aSe & 0x8000) | 0x7FFF;
                f.m = aZero ? 0 : Float80.MSB;
            }
            return;
        }
        if (Float80.isDenormal(bSe, bM)) {
            f.exc |= Float80.DE;
        }
        long n;
        int e = Float80.exp(bSe) - Float80.BIAS;
        if (Float80.isZero(bSe, bM) || e < 0) {
            n = 0;
        } else if (e >= 30) {
            n = 1L << 30;
        } else {
            n = bM >>> (63 - e);
        }
        if (Float80.sign(bSe)) {
            n = -n;
        }
        f.scale(aSe, aM, n);
    }

    private static void pushingTrig(X87 x, Float80 f, int code) {
        if (x.isEmpty(0)) {
            x.stackUnderflow();
            x.setC2(false);
            x.store(0, Float80.INDEFINITE_SE, Float80.INDEFINITE_M);
            x.decrementTop();
            x.store(0, Float80.INDEFINITE_SE, Float80.INDEFINITE_M);
            return;
        }
        if (x.stackFull()) {
            overflow(x);
            x.setC2(false);
            return;
        }
        int se = x.signExp(0);
        long m = x.significand(0);
        if (outOfTrigRange(se, m)) {
            x.setC2(true);
            return;
        }
        x.prepare();
        if (code == 2) {
            viaDouble(f, se, m, 0, 0, 16); // tan
            x.store(0, f.se, f.m);
            int exc = f.exc;
            boolean nan = Float80.isNaN(f.se, f.m);
            x.pushValue(nan ? f.se : Float80.BIAS, nan ? f.m : Float80.MSB);
            x.record(exc, 0);
        } else {
            viaDouble(f, se, m, 0, 0, 14); // sin
            int sinSe = f.se;
            long sinM = f.m;
            int exc = f.exc;
            f.begin();
            viaDouble(f, se, m, 0, 0, 15); // cos
            x.store(0, sinSe, sinM);
            x.pushValue(f.se, f.m);
            x.record(exc | f.exc, 0);
        }
        x.setC2(false);
    }

    /** The masked stack-overflow response of a function that replaces ST(0) and pushes. */
    private static void overflow(X87 x) {
        x.store(0, Float80.INDEFINITE_SE, Float80.INDEFINITE_M);
        x.pushValue(0, 0); // raises the stack fault and pushes the indefinite value
    }

    private static void extract(X87 x, Float80 f) {
        if (x.isEmpty(0)) {
            x.stackUnderflow();
            x.store(0, Float80.INDEFINITE_SE, Float80.INDEFINITE_M);
            x.decrementTop();
            x.store(0, Float80.INDEFINITE_SE, Float80.INDEFINITE_M);
            return;
        }
        if (x.stackFull()) {
            overflow(x);
            return;
        }
        int se = x.signExp(0);
        long m = x.significand(0);
        x.prepare();
        int expSe;
        long expM;
        int sigSe;
        long sigM;
        int exc = 0;
        if (Float80.isNaN(se, m) || Float80.isUnsupported(se, m)) {
            f.add(se, m, se, m, false);
            exc = f.exc;
            expSe = sigSe = f.se;
            expM = sigM = f.m;
        } else if (Float80.isZero(se, m)) {
            exc = Float80.ZE;
            expSe = 0xFFFF;
            expM = Float80.MSB;
            sigSe = se;
            sigM = 0;
        } else if (Float80.isInf(se, m)) {
            expSe = 0x7FFF;
            expM = Float80.MSB;
            sigSe = se;
            sigM = m;
        } else {
            int e = Float80.exp(se);
            long sig = m;
            if (e == 0) {
                exc = Float80.DE;
                int lz = Long.numberOfLeadingZeros(m);
                sig = m << lz;
                e = 1 - lz;
            }
            f.fromInteger(e - Float80.BIAS);
            expSe = f.se;
            expM = f.m;
            sigSe = (se & 0x8000) | Float80.BIAS;
            sigM = sig;
        }
        x.store(0, expSe, expM);
        x.pushValue(sigSe, sigM);
        x.record(exc, 0);
    }

    /**
     * Computes a transcendental function in double precision and loads the result exactly. Codes: 0 2^x-1,
     * 1 y*log2(x), 3 atan(y/x), 9 y*log2(x+1), 14 sin, 15 cos, 16 tan; for the binary ones a is ST(0)
     * (x) and b is ST(1) (y).
     */
    private static void viaDouble(Float80 f, int aSe, long aM, int bSe, long bM, int code) {
        boolean binary = code == 1 || code == 3 || code == 9;
        if (Float80.isNaN(aSe, aM) || Float80.isUnsupported(aSe, aM)
                || (binary && (Float80.isNaN(bSe, bM) || Float80.isUnsupported(bSe, bM)))) {
            if (binary) {
                f.add(aSe, aM, bSe, bM, false);
            } else {
                f.sqrt(aSe & 0x7FFF, aM);
                if (!Float80.isUnsupported(aSe, aM)) {
                    f.se = aSe;
                }
            }
            return;
        }
        if (Float80.isDenormal(aSe, aM) || (binary && Float80.isDenormal(bSe, bM))) {
            f.exc |= Float80.DE;
        }
        double x = Float80.toJavaDouble(aSe, aM);
        double y = binary ? Float80.toJavaDouble(bSe, bM) : 0;
        double r = switch (code) {
            case 0 -> Math.expm1(x * Math.log(2));
            case 1 -> y * (Math.log(x) / Math.log(2));
            case 3 -> Math.atan2(y, x);
            case 9 -> y * (Math.log1p(x) / Math.log(2));
            case 14 -> Math.sin(x);
            case 15 -> Math.cos(x);
            default -> Math.tan(x);
        };
        if (Double.isNaN(r)) {
            f.se = Float80.INDEFINITE_SE;
            f.m = Float80.INDEFINITE_M;
            f.exc |= Float80.IE;
            return;
        }
        if (code == 1 && x == 0 && y != 0 && !Double.isInfinite(y)) {
            f.exc |= Float80.ZE;
        }
        int saved = f.exc;
        f.fromDouble(Double.doubleToRawLongBits(r));
        f.exc = saved | (f.exc & ~Float80.DE);
        boolean exact = (code == 14 || code == 16 || code == 3 || code == 0) && x == 0;
        if (!exact && !Double.isInfinite(r) && r != 0) {
            f.exc |= Float80.PE;
        }
    }
}
