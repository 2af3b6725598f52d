package io.hvx.cpu.interp;

/**
 * SSE floating-point lane operations with MXCSR semantics: the rounding control, DAZ/FTZ, the x86 NaN
 * rules and the sticky exception flags (masked responses). Results are correctly rounded: the error of
 * the round-to-nearest result (TwoSum, FMA residuals) gives the direction for directed rounding and the
 * inexact flag; single precision is computed in double, which rounds correctly for these operations.
 */
final class SseFp {
    static final int IE = 1, DE = 2, ZE = 4, OE = 8, UE = 16, PE = 32;
    static final int DAZ = 1 << 6, FTZ = 1 << 15;
    static final int ADD = 0, SUB = 1, MUL = 2, DIV = 3, SQRT = 4, MIN = 5, MAX = 6;
    static final long DOUBLE_INDEFINITE = 0xFFF8000000000000L;
    static final int FLOAT_INDEFINITE = 0xFFC00000;

    private final CpuState cpu;

    SseFp(CpuState cpu) {
        this.cpu = cpu;
    }

    private int rc() {
        return (cpu.mxcsr >>> 13) & 3;
    }

    void raise(int flags) {
        cpu.mxcsr |= flags;
    }

    // ---- double

    private static boolean isSnanD(long b) {
        return (b & 0x7FF0000000000000L) == 0x7FF0000000000000L && (b & 0xFFFFFFFFFFFFFL) != 0
                && (b & 0x8000000000000L) == 0;
    }

    private static boolean isNanD(long b) {
        return (b & 0x7FFFFFFFFFFFFFFFL) > 0x7FF0000000000000L;
    }

    private static boolean isDenormalD(long b) {
        return (b & 0x7FF0000000000000L) == 0 && (b & 0xFFFFFFFFFFFFFL) != 0;
    }

    private long dazD(long b) {
        return (cpu.mxcsr & DAZ) != 0 && isDenormalD(b) ? b & 0x8000000000000000L : b;
    }

    /** a op b for doubles (b alone for SQRT). */
    long opD(int op, long a, long b) {
        a = dazD(a);
        b = dazD(b);
        boolean an = op != SQRT && isNanD(a);
        boolean bn = isNanD(b);
        if (an || bn) {
            if ((op != SQRT && isSnanD(a)) || isSnanD(b) || op == MIN || op == MAX) {
                raise(IE);
            }
            if (op == MIN || op == MAX) {
                return b;
            }
            return (an ? a : b) | 0x8000000000000L;
        }
        if (op == SQRT && b < 0 && b != 0x8000000000000000L) {
            raise(IE); // invalid before denormal
            return DOUBLE_INDEFINITE;
        }
        if (op == DIV && (b & 0x7FFFFFFFFFFFFFFFL) == 0 && (a & 0x7FFFFFFFFFFFFFFFL) != 0
                && (a & 0x7FF0000000000000L) != 0x7FF0000000000000L) {
            raise(ZE); // division by zero reports no denormal dividend
            return ((a ^ b) & 0x8000000000000000L) | 0x7FF0000000000000L;
        }
        if ((op != SQRT && isDenormalD(a)) || isDenormalD(b)) {
            raise(DE);
        }
        double x = Double.longBitsToDouble(a);
        double y = Double.longBitsToDouble(b);
        if (op == MIN || op == MAX) {
            boolean first = op == MIN ? x < y : x > y;
            return first ? a : b;
        }
        double r;
        int dir; // sign of (exact - r)
        boolean tiny = false; // only for a result the denormal grid rounded to +-MIN_NORMAL: see finishD
        switch (op) {
            case ADD, SUB -> {
                if (op == SUB) {
                    y = -y;
                }
                r = x + y;
                if (Double.isInfinite(r) && !Double.isInfinite(x) && !Double.isInfinite(y)) {
                    dir = r > 0 ? -1 : 1;
                } else if (Double.isNaN(r)) {
                    raise(IE);
                    return DOUBLE_INDEFINITE;
                } else {
                    double bb = r - x;
                    double err = (x - (r - bb)) + (y - bb);
                    dir = Double.isInfinite(r) ? 0 : (int) Math.signum(err);
                }
                if (r == 0 && dir == 0 && rc() == 1
                        && (Double.doubleToRawLongBits(x) ^ Double.doubleToRawLongBits(y)) < 0) {
                    r = -0.0; // an exact zero sum of opposite signs is -0 when rounding down
                }
            }
            case MUL -> {
                r = x * y;
                if (Double.isNaN(r)) {
                    raise(IE);
                    return DOUBLE_INDEFINITE;
                }
                if (Double.isInfinite(r)) {
                    dir = Double.isInfinite(x) || Double.isInfinite(y) ? 0 : (r > 0 ? -1 : 1);
                } else {
                    // the residual of operands scaled near 1, so that it cannot underflow
                    int ex = Math.getExponent(x);
                    int ey = Math.getExponent(y);
                    dir = (int) Math.signum(Math.fma(Math.scalb(x, -ex), Math.scalb(y, -ey), -Math.scalb(r, -ex - ey)));
                    if (dir == 0 && r == 0 && x != 0 && y != 0) {
                        dir = (x > 0) == (y > 0) ? 1 : -1; // underflowed to zero
                    }
                    if (Math.abs(r) <= Double.MIN_NORMAL && r != 0) {
                        double sx = Math.scalb(x, -ex);
                        double sy = Math.scalb(y, -ey);
                        double p = sx * sy;
                        tiny = Math.abs(directed(p, (int) Math.signum(Math.fma(sx, sy, -p)), rc()))
                                < Math.scalb(Double.MIN_NORMAL, -ex - ey);
                    }
                }
            }
            case DIV -> {
                if (y == 0 && x == x && x != 0 && !Double.isInfinite(x)) {
                    raise(ZE);
                }
                r = x / y;
                if (Double.isNaN(r)) {
                    raise(IE);
                    return DOUBLE_INDEFINITE;
                }
                if (Double.isInfinite(r)) {
                    dir = Double.isInfinite(x) || y == 0 ? 0 : (r > 0 ? -1 : 1);
                } else if (r == 0) {
                    dir = x == 0 || Double.isInfinite(y) ? 0 : ((x > 0) == (y > 0) ? 1 : -1);
                } else {
                    int ex = Math.getExponent(x);
                    int ey = Math.getExponent(y);
                    double rem = Math.fma(-Math.scalb(r, ey - ex), Math.scalb(y, -ey), Math.scalb(x, -ex));
                    dir = (int) (Math.signum(rem) * Math.signum(y));
                    if (Math.abs(r) <= Double.MIN_NORMAL) {
                        double sx = Math.scalb(x, -ex);
                        double sy = Math.scalb(y, -ey);
                        double q = sx / sy;
                        int qdir = (int) (Math.signum(Math.fma(-q, sy, sx)) * Math.signum(sy));
                        tiny = Math.abs(directed(q, qdir, rc())) < Math.scalb(Double.MIN_NORMAL, ey - ex);
                    }
                }
            }
            default -> {
                if (y < 0) {
                    raise(IE);
                    return DOUBLE_INDEFINITE;
                }
                r = Math.sqrt(y);
                if (Double.isInfinite(r) || r == 0) {
                    dir = 0;
                } else {
                    int k = Math.getExponent(y) & ~1;
                    double rs = Math.scalb(r, -k / 2);
                    dir = (int) Math.signum(Math.fma(-rs, rs, Math.scalb(y, -k)));
                }
            }
        }
        return Double.doubleToRawLongBits(finishD(r, dir, tiny));
    }

    /**
     * Applies the rounding direction, overflow, underflow, FTZ and inexact to a round-to-nearest result.
     * {@code tinyAtMinNormal}: whether the exact value, rounded to 53 bits with an unbounded exponent, is below the
     * smallest normal (x86 detects tininess after rounding); asked only when the result rounds to +-MIN_NORMAL.
     */
    private double finishD(double r, int dir, boolean tinyAtMinNormal) {
        if (dir == 0 && r != 0 && Math.abs(r) < Double.MIN_NORMAL && (cpu.mxcsr & FTZ) != 0) {
            raise(UE | PE); // flush-to-zero turns even an exact tiny result into an inexact zero
            return Math.copySign(0.0, r);
        }
        if (dir == 0) {
            return r;
        }
        int rc = rc();
        int flags = PE;
        if (Double.isInfinite(r)) {
            flags |= OE;
            boolean toInf = rc == 0 || (rc == 2 && r > 0) || (rc == 1 && r < 0);
            if (!toInf) {
                r = Math.copySign(Double.MAX_VALUE, r);
            }
        } else {
            if (rc == 1 && dir < 0) {
                r = Math.nextDown(r);
            } else if (rc == 2 && dir > 0) {
                r = Math.nextUp(r);
            } else if (rc == 3 && ((r > 0 && dir < 0) || (r < 0 && dir > 0))) {
                r = r > 0 ? Math.nextDown(r) : Math.nextUp(r);
            }
            if (Double.isInfinite(r)) {
                flags |= OE;
            }
        }
        if (Math.abs(r) < Double.MIN_NORMAL || (Math.abs(r) == Double.MIN_NORMAL && tinyAtMinNormal)) {
            flags |= UE;
            if ((cpu.mxcsr & FTZ) != 0) {
                r = Math.copySign(0.0, r);
            }
        }
        raise(flags);
        return r;
    }

    /**
     * x86 detects tininess after rounding, to the format's precision with an unbounded exponent: an exact value just
     * below the smallest normal that the denormal grid rounds up to it, but 24 bits would not, still underflows.
     */
    private static boolean tinyFloat(double d, int dirD, int rc) {
        double s = Math.scalb(d, 64); // exact: far from double's limits, and now normal as a float
        float g = (float) s;
        double diff = s - (double) g;
        int dir = diff != 0 ? (diff > 0 ? 1 : -1) : dirD;
        g = directed(g, dir, rc);
        return Math.abs(g) < Math.scalb(Float.MIN_NORMAL, 64);
    }

    private static float directed(float f, int dir, int rc) {
        if (rc == 1 && dir < 0) {
            return Math.nextDown(f);
        } else if (rc == 2 && dir > 0) {
            return Math.nextUp(f);
        } else if (rc == 3 && ((f > 0 && dir < 0) || (f < 0 && dir > 0))) {
            return f > 0 ? Math.nextDown(f) : Math.nextUp(f);
        }
        return f;
    }

    private static double directed(double r, int dir, int rc) {
        if (rc == 1 && dir < 0) {
            return Math.nextDown(r);
        } else if (rc == 2 && dir > 0) {
            return Math.nextUp(r);
        } else if (rc == 3 && ((r > 0 && dir < 0) || (r < 0 && dir > 0))) {
            return r > 0 ? Math.nextDown(r) : Math.nextUp(r);
        }
        return r;
    }

    // ---- float

    private static boolean isSnanF(int b) {
        return (b & 0x7F800000) == 0x7F800000 && (b & 0x7FFFFF) != 0 && (b & 0x400000) == 0;
    }

    private static boolean isNanF(int b) {
        return (b & 0x7FFFFFFF) > 0x7F800000;
    }

    private static boolean isDenormalF(int b) {
        return (b & 0x7F800000) == 0 && (b & 0x7FFFFF) != 0;
    }

    private int dazF(int b) {
        return (cpu.mxcsr & DAZ) != 0 && isDenormalF(b) ? b & 0x80000000 : b;
    }

    /** a op b for floats (b alone for SQRT). */
    int opF(int op, int a, int b) {
        a = dazF(a);
        b = dazF(b);
        boolean an = op != SQRT && isNanF(a);
        boolean bn = isNanF(b);
        if (an || bn) {
            if ((op != SQRT && isSnanF(a)) || isSnanF(b) || op == MIN || op == MAX) {
                raise(IE);
            }
            if (op == MIN || op == MAX) {
                return b;
            }
            return (an ? a : b) | 0x400000;
        }
        if (op == SQRT && b < 0 && b != 0x80000000) {
            raise(IE);
            return FLOAT_INDEFINITE;
        }
        if (op == DIV && (b & 0x7FFFFFFF) == 0 && (a & 0x7FFFFFFF) != 0 && (a & 0x7F800000) != 0x7F800000) {
            raise(ZE);
            return ((a ^ b) & 0x80000000) | 0x7F800000;
        }
        if ((op != SQRT && isDenormalF(a)) || isDenormalF(b)) {
            raise(DE);
        }
        double x = Float.intBitsToFloat(a);
        double y = Float.intBitsToFloat(b);
        if (op == MIN || op == MAX) {
            boolean first = op == MIN ? x < y : x > y;
            return first ? a : b;
        }
        double d;
        int dirD; // sign of (exact - d)
        switch (op) {
            case ADD, SUB -> {
                if (op == SUB) {
                    y = -y;
                }
                d = x + y;
                if (Double.isNaN(d)) {
                    raise(IE);
                    return FLOAT_INDEFINITE;
                }
                double bb = d - x;
                dirD = Double.isInfinite(d) ? 0 : (int) Math.signum((x - (d - bb)) + (y - bb));
                if (d == 0 && rc() == 1 && (Double.doubleToRawLongBits(x) ^ Double.doubleToRawLongBits(y)) < 0) {
                    d = -0.0;
                }
            }
            case MUL -> {
                d = x * y;
                if (Double.isNaN(d)) {
                    raise(IE);
                    return FLOAT_INDEFINITE;
                }
                dirD = 0; // exact in double
            }
            case DIV -> {
                if (y == 0 && x != 0 && !Double.isInfinite(x)) {
                    raise(ZE);
                }
                d = x / y;
                if (Double.isNaN(d)) {
                    raise(IE);
                    return FLOAT_INDEFINITE;
                }
                dirD = Double.isInfinite(d) || d == 0 ? 0 : (int) (Math.signum(Math.fma(-d, y, x)) * Math.signum(y));
            }
            default -> {
                if (y < 0) {
                    raise(IE);
                    return FLOAT_INDEFINITE;
                }
                d = Math.sqrt(y);
                dirD = Double.isInfinite(d) || d == 0 ? 0 : (int) Math.signum(Math.fma(-d, d, y));
            }
        }
        return Float.floatToRawIntBits(roundToFloat(d, dirD));
    }

    /** Rounds a double (itself off the exact value in direction dirD) to float under MXCSR, with flags. */
    float roundToFloat(double d, int dirD) {
        float f = (float) d;
        if (Double.isInfinite(d)) {
            return f;
        }
        int dir;
        if (Float.isInfinite(f)) {
            dir = d > 0 ? -1 : 1;
        } else {
            double diff = d - (double) f;
            dir = diff != 0 ? (diff > 0 ? 1 : -1) : dirD;
        }
        if (dir == 0 && f != 0 && Math.abs(f) < Float.MIN_NORMAL && (cpu.mxcsr & FTZ) != 0) {
            raise(UE | PE);
            return Math.copySign(0.0f, f);
        }
        if (dir == 0) {
            return f;
        }
        int rc = rc();
        int flags = PE;
        if (Float.isInfinite(f)) {
            flags |= OE;
            boolean toInf = rc == 0 || (rc == 2 && f > 0) || (rc == 1 && f < 0);
            if (!toInf) {
                f = Math.copySign(Float.MAX_VALUE, f);
            }
        } else {
            if (rc == 1 && dir < 0) {
                f = Math.nextDown(f);
            } else if (rc == 2 && dir > 0) {
                f = Math.nextUp(f);
            } else if (rc == 3 && ((f > 0 && dir < 0) || (f < 0 && dir > 0))) {
                f = f > 0 ? Math.nextDown(f) : Math.nextUp(f);
            }
            if (Float.isInfinite(f)) {
                flags |= OE;
            }
        }
        if (Math.abs(f) < Float.MIN_NORMAL || (Math.abs(f) == Float.MIN_NORMAL && tinyFloat(d, dirD, rc))) {
            flags |= UE;
            if ((cpu.mxcsr & FTZ) != 0) {
                f = Math.copySign(0.0f, f);
            }
        }
        raise(flags);
        return f;
    }

    // ---- compares

    /** CMPPS/CMPSD predicate 0..7 on doubles: all ones when true. */
    long compareD(int pred, long a, long b) {
        a = dazD(a);
        b = dazD(b);
        boolean unordered = isNanD(a) || isNanD(b);
        boolean signaling = pred == 1 || pred == 2 || pred == 5 || pred == 6;
        if (isSnanD(a) || isSnanD(b) || (unordered && signaling)) {
            raise(IE);
        } else if (!unordered && (isDenormalD(a) || isDenormalD(b))) {
            raise(DE);
        }
        double x = Double.longBitsToDouble(a);
        double y = Double.longBitsToDouble(b);
        return predicate(pred, unordered, x == y, x < y) ? -1L : 0;
    }

    /** CMPPS/CMPSS predicate 0..7 on floats: all ones when true. */
    int compareF(int pred, int a, int b) {
        a = dazF(a);
        b = dazF(b);
        boolean unordered = isNanF(a) || isNanF(b);
        boolean signaling = pred == 1 || pred == 2 || pred == 5 || pred == 6;
        if (isSnanF(a) || isSnanF(b) || (unordered && signaling)) {
            raise(IE);
        } else if (!unordered && (isDenormalF(a) || isDenormalF(b))) {
            raise(DE);
        }
        float x = Float.intBitsToFloat(a);
        float y = Float.intBitsToFloat(b);
        return predicate(pred, unordered, x == y, x < y) ? -1 : 0;
    }

    private static boolean predicate(int pred, boolean unordered, boolean eq, boolean lt) {
        return switch (pred & 7) {
            case 0 -> !unordered && eq;
            case 1 -> !unordered && lt;
            case 2 -> !unordered && (lt || eq);
            case 3 -> unordered;
            case 4 -> unordered || !eq;
            case 5 -> unordered || !lt;
            case 6 -> unordered || !(lt || eq);
            default -> !unordered;
        };
    }

    /** (U)COMISD/(U)COMISS flags for a compare of doubles (or floats widened exactly). */
    long compareFlags(boolean dbl, long a, long b, boolean quiet) {
        boolean unordered;
        boolean snan;
        boolean denormal;
        double x;
        double y;
        if (dbl) {
            a = dazD(a);
            b = dazD(b);
            unordered = isNanD(a) || isNanD(b);
            snan = isSnanD(a) || isSnanD(b);
            denormal = isDenormalD(a) || isDenormalD(b);
            x = Double.longBitsToDouble(a);
            y = Double.longBitsToDouble(b);
        } else {
            int fa = dazF((int) a);
            int fb = dazF((int) b);
            unordered = isNanF(fa) || isNanF(fb);
            snan = isSnanF(fa) || isSnanF(fb);
            denormal = isDenormalF(fa) || isDenormalF(fb);
            x = Float.intBitsToFloat(fa);
            y = Float.intBitsToFloat(fb);
        }
        if (snan || (unordered && !quiet)) {
            raise(IE);
        } else if (!unordered && denormal) {
            raise(DE);
        }
        if (unordered) {
            return CpuState.ZF | CpuState.PF | CpuState.CF;
        }
        return x > y ? 0 : x < y ? CpuState.CF : CpuState.ZF;
    }

    // ---- conversions

    /** Double to float (CVTSD2SS/CVTPD2PS). */
    int doubleToFloat(long b) {
        b = dazD(b);
        if (isNanD(b)) {
            if (isSnanD(b)) {
                raise(IE);
            }
            return (int) ((b >>> 32) & 0x80000000L) | 0x7FC00000 | (int) ((b >>> 29) & 0x3FFFFF);
        }
        if (isDenormalD(b)) {
            raise(DE);
        }
        return Float.floatToRawIntBits(roundToFloat(Double.longBitsToDouble(b), 0));
    }

    /** Float to double (CVTSS2SD/CVTPS2PD), exact. */
    long floatToDouble(int b) {
        b = dazF(b);
        if (isNanF(b)) {
            if (isSnanF(b)) {
                raise(IE);
            }
            return ((long) (b & 0x80000000) << 32) | 0x7FF8000000000000L | ((long) (b & 0x3FFFFF) << 29);
        }
        if (isDenormalF(b)) {
            raise(DE);
        }
        return Double.doubleToRawLongBits(Float.intBitsToFloat(b));
    }

    /** A signed integer to double under the rounding control (CVTSI2SD with a 64-bit source). */
    long intToDouble(long v) {
        double r = (double) v;
        long back = r >= 0x1p63 ? Long.MAX_VALUE : (long) r;
        int dir = r >= 0x1p63 ? -1 : Long.compare(v, back);
        return Double.doubleToRawLongBits(finishD(r, dir, false));
    }

    /** A signed integer to float under the rounding control. */
    int intToFloat(long v) {
        double d = (double) v;
        long back = d >= 0x1p63 ? Long.MAX_VALUE : (long) d;
        int dirD = d >= 0x1p63 ? -1 : Long.compare(v, back);
        return Float.floatToRawIntBits(roundToFloat(d, dirD));
    }

    /**
     * A double (or a float widened exactly) to a signed integer of 32 or 64 bits, truncating or under the
     * rounding control; out of range or NaN gives the integer indefinite with IE.
     */
    long toInteger(double v, boolean wide, boolean truncate, boolean denormal) {
        long indefinite = wide ? Long.MIN_VALUE : 0x80000000L;
        if (Double.isNaN(v)) {
            raise(IE);
            return indefinite;
        }
        if (denormal && (cpu.mxcsr & DAZ) != 0) {
            v = 0;
        }
        double r;
        if (truncate) {
            r = v < 0 ? Math.ceil(v) : Math.floor(v);
        } else {
            r = switch (rc()) {
                case 0 -> Math.rint(v);
                case 1 -> Math.floor(v);
                case 2 -> Math.ceil(v);
                default -> v < 0 ? Math.ceil(v) : Math.floor(v);
            };
        }
        double limit = wide ? 0x1p63 : 0x1p31;
        if (r >= limit || r < -limit) {
            raise(IE);
            return indefinite;
        }
        if (r != v) {
            raise(PE);
        }
        long out = (long) r;
        return wide ? out : out & 0xFFFFFFFFL;
    }
}
