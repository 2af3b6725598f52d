package io.hvx.cpu.interp;

import java.math.BigInteger;

/**
 * Extended-precision (80-bit) arithmetic in software, bit-exact with the x87 for add, subtract, multiply,
 * divide, square root, remainder and conversions under every rounding and precision control. One instance
 * per vCPU: an operation leaves its result in {@link #se}/{@link #m} and its exceptions in {@link #exc},
 * so that nothing is allocated (square root and remainder excepted: they are rare).
 */
final class Float80 {
    static final int IE = 1, DE = 2, ZE = 4, OE = 8, UE = 16, PE = 32;
    static final long MSB = 0x8000000000000000L;
    static final int INDEFINITE_SE = 0xFFFF;
    static final long INDEFINITE_M = 0xC000000000000000L;
    static final int BIAS = 16383;
    static final int RC_NEAREST = 0, RC_DOWN = 1, RC_UP = 2, RC_ZERO = 3;

    /** Result: sign in bit 15, biased exponent in bits 0..14. */
    int se;
    /** Result significand (explicit integer bit). */
    long m;
    /** Exceptions raised by the last operation (IE..PE). */
    int exc;
    /** Whether the last rounding increased the magnitude (the x87 reports it in C1). */
    boolean roundedUp;
    /** Rounding control, RC_*. */
    int rc;
    /** Significand bits kept by arithmetic: 24, 53 or 64 (the precision control). */
    int precision = 64;

    // unpacked operands, filled by unpack()
    private boolean ua;
    private int ea;
    private long sa;

    // ---- classification

    static int exp(int se) {
        return se & 0x7FFF;
    }

    static boolean sign(int se) {
        return (se & 0x8000) != 0;
    }

    static boolean isNaN(int se, long m) {
        return exp(se) == 0x7FFF && (m & MSB) != 0 && (m << 1) != 0;
    }

    static boolean isSignaling(int se, long m) {
        return isNaN(se, m) && (m & 0x4000000000000000L) == 0;
    }

    static boolean isInf(int se, long m) {
        return exp(se) == 0x7FFF && m == MSB;
    }

    static boolean isZero(int se, long m) {
        return exp(se) == 0 && m == 0;
    }

    static boolean isDenormal(int se, long m) {
        return exp(se) == 0 && m != 0;
    }

    /** Unnormals, pseudo-NaNs and pseudo-infinities: formats the x87 no longer accepts as operands. */
    static boolean isUnsupported(int se, long m) {
        return exp(se) != 0 && (m & MSB) == 0;
    }

    private void result(int se, long m) {
        this.se = se;
        this.m = m;
    }

    private void indefinite() {
        exc |= IE;
        result(INDEFINITE_SE, INDEFINITE_M);
    }

    /** Begins an operation: clears exceptions and the rounding indicator. */
    void begin() {
        exc = 0;
        roundedUp = false;
    }

    /**
     * Handles NaN and unsupported operands of a two-operand arithmetic operation. Returns true when the
     * result is decided (a propagated NaN or the indefinite value).
     */
    private boolean nanOperands(int aSe, long aM, int bSe, long bM) {
        if (isUnsupported(aSe, aM) || isUnsupported(bSe, bM)) {
            indefinite();
            return true;
        }
        boolean an = isNaN(aSe, aM);
        boolean bn = isNaN(bSe, bM);
        if (!an && !bn) {
            return false;
        }
        if (isSignaling(aSe, aM) || isSignaling(bSe, bM)) {
            exc |= IE;
        }
        if (an && bn) {
            // a quiet NaN beats a signaling one; otherwise the larger significand wins (ties: the first)
            boolean sa = isSignaling(aSe, aM);
            boolean sb = isSignaling(bSe, bM);
            long qa = aM | 0x4000000000000000L;
            long qb = bM | 0x4000000000000000L;
            int c = sa != sb ? (sa ? -1 : 1) : Long.compareUnsigned(qa << 1, qb << 1);
            if (c > 0 || (c == 0 && (aSe & 0x8000) == 0)) {
                result(aSe, qa);
            } else {
                result(bSe, qb);
            }
            return true;
        }
        if (an) {
            result(aSe, aM | 0x4000000000000000L);
        } else {
            result(bSe, bM | 0x4000000000000000L);
        }
        return true;
    }

    /** Unpacks a finite non-zero value into (sign, unbiased exponent, normalized significand). */
    private void unpack(int se, long m) {
        ua = sign(se);
        int e = exp(se);
        if (e == 0) {
            e = 1;
        }
        int lz = Long.numberOfLeadingZeros(m);
        sa = m << lz;
        ea = e - BIAS - lz;
    }

    // ---- rounding

    /**
     * Rounds the value hi.lo (binary point after bit 63 of hi, hi normalized) times 2^e to {@code p}
     * significand bits in the 80-bit exponent range and packs it; subnormal results are rounded at the
     * subnormal position.
     */
    void round80(boolean sign, int e, long hi, long lo, int p) {
        if (!roundCore(sign, e, hi, lo, p, 1 - BIAS, BIAS)) {
            return; // overflow handled
        }
        packRounded80();
    }

    // rounding results
    private boolean rSign;
    private int rE;
    private long rSig;

    /**
     * The rounding core. Returns false when the value overflowed (then the result is already set for
     * 80-bit and {@link #overflowed} holds whether it became infinity).
     */
    private boolean roundCore(boolean sign, int e, long hi, long lo, int p, int eMin, int eMax) {
        boolean tiny = false;
        boolean tinyAfter = false;
        if (e < eMin) {
            int shift = eMin - e;
            // tininess is detected after rounding: does the value still round below 2^eMin with an
            // unbounded exponent?
            tinyAfter = shift > 1 || !carriesOut(sign, hi, lo, p);
            if (shift >= 128) {
                lo = (hi | lo) != 0 ? 1 : 0;
                hi = 0;
            } else if (shift >= 64) {
                long sticky = lo != 0 || (shift > 64 && (hi << (128 - shift)) != 0) ? 1 : 0;
                lo = (shift == 64 ? hi : hi >>> (shift - 64)) | sticky;
                hi = 0;
            } else {
                long sticky = (lo << (64 - shift)) != 0 ? 1 : 0;
                lo = (lo >>> shift) | (hi << (64 - shift)) | sticky;
                hi >>>= shift;
            }
            e = eMin;
            tiny = true;
        }
        long unit = p == 64 ? 1 : 1L << (64 - p);
        long lowMask = unit - 1;
        long low = hi & lowMask;
        boolean inexact = low != 0 || lo != 0;
        boolean up = false;
        if (inexact) {
            switch (rc) {
                case RC_NEAREST -> {
                    int cmp;
                    if (p == 64) {
                        cmp = Long.compareUnsigned(lo, MSB);
                    } else {
                        long half = unit >>> 1;
                        cmp = low > half ? 1 : low < half ? -1 : (lo != 0 ? 1 : 0);
                    }
                    up = cmp > 0 || (cmp == 0 && (hi & unit) != 0);
                }
                case RC_DOWN -> up = sign;
                case RC_UP -> up = !sign;
                default -> up = false;
            }
        }
        hi &= ~lowMask;
        if (up) {
            hi += unit;
            if (hi == 0) {
                hi = MSB;
                e++;
            }
        }
        if (inexact) {
            exc |= PE;
            if (tiny && tinyAfter) {
                exc |= UE;
            }
        }
        roundedUp = up;
        if (e > eMax) {
            exc |= OE | PE;
            boolean toInf = rc == RC_NEAREST || (rc == RC_UP && !sign) || (rc == RC_DOWN && sign);
            overflowed = toInf;
            rSign = sign;
            if (toInf) {
                rE = eMax + 1;
                rSig = MSB;
                roundedUp = true;
            } else {
                rE = eMax;
                rSig = p == 64 ? -1L : ~((1L << (64 - p)) - 1);
                roundedUp = false;
            }
            return true;
        }
        overflowed = false;
        rSign = sign;
        rE = e;
        rSig = hi;
        return true;
    }

    private boolean overflowed;

    /** Whether rounding hi:lo to p bits carries out of the top bit (for tininess after rounding). */
    private boolean carriesOut(boolean sign, long hi, long lo, int p) {
        long unit = p == 64 ? 1 : 1L << (64 - p);
        long lowMask = unit - 1;
        if ((hi | lowMask) != -1L) {
            return false;
        }
        long low = hi & lowMask;
        boolean inexact = low != 0 || lo != 0;
        if (!inexact) {
            return false;
        }
        return switch (rc) {
            case RC_NEAREST -> {
                int cmp;
                if (p == 64) {
                    cmp = Long.compareUnsigned(lo, MSB);
                } else {
                    long half = unit >>> 1;
                    cmp = low > half ? 1 : low < half ? -1 : (lo != 0 ? 1 : 0);
                }
                yield cmp > 0 || (cmp == 0 && (hi & unit) != 0);
            }
            case RC_DOWN -> sign;
            case RC_UP -> !sign;
            default -> false;
        };
    }

    private void packRounded80() {
        int s = rSign ? 0x8000 : 0;
        if (overflowed) {
            result(s | 0x7FFF, MSB);
        } else if ((rSig & MSB) == 0) {
            result(s, rSig); // subnormal or zero
        } else {
            result(s | (rE + BIAS), rSig);
        }
    }

    // ---- arithmetic

    /** a + b (or a - b when {@code subtract}) rounded to the precision control. */
    void add(int aSe, long aM, int bSe, long bM, boolean subtract) {
        if (nanOperands(aSe, aM, bSe, bM)) {
            return;
        }
        if (subtract) {
            bSe ^= 0x8000;
        }
        denormalCheck(aSe, aM, bSe, bM);
        boolean ai = isInf(aSe, aM);
        boolean bi = isInf(bSe, bM);
        if (ai || bi) {
            if (ai && bi && ((aSe ^ bSe) & 0x8000) != 0) {
                indefinite();
            } else {
                result(ai ? aSe : bSe, MSB);
            }
            return;
        }
        boolean az = isZero(aSe, aM);
        boolean bz = isZero(bSe, bM);
        if (az && bz) {
            boolean s = ((aSe & bSe) & 0x8000) != 0 || (rc == RC_DOWN && ((aSe | bSe) & 0x8000) != 0);
            result(s ? 0x8000 : 0, 0);
            return;
        }
        if (az || bz) {
            int se = az ? bSe : aSe;
            long m = az ? bM : aM;
            unpack(se, m);
            round80(ua, ea, sa, 0, precision);
            return;
        }
        unpack(aSe, aM);
        boolean s1 = ua;
        int e1 = ea;
        long m1 = sa;
        unpack(bSe, bM);
        boolean s2 = ua;
        int e2 = ea;
        long m2 = sa;
        if (e1 < e2 || (e1 == e2 && Long.compareUnsigned(m1, m2) < 0)) {
            boolean ts = s1;
            s1 = s2;
            s2 = ts;
            int te = e1;
            e1 = e2;
            e2 = te;
            long tm = m1;
            m1 = m2;
            m2 = tm;
        }
        int diff = e1 - e2;
        long bHi;
        long bLo;
        if (diff == 0) {
            bHi = m2;
            bLo = 0;
        } else if (diff < 64) {
            bHi = m2 >>> diff;
            bLo = m2 << (64 - diff);
        } else if (diff < 127) {
            bHi = 0;
            long sticky = (diff > 64 && (m2 << (128 - diff)) != 0) ? 1 : 0;
            bLo = (diff == 64 ? m2 : m2 >>> (diff - 64)) | sticky;
        } else {
            bHi = 0;
            bLo = 1;
        }
        long hi;
        long lo;
        int e = e1;
        if (s1 == s2) {
            lo = bLo;
            hi = m1 + bHi;
            if (Long.compareUnsigned(hi, m1) < 0) {
                long sticky = lo & 1;
                lo = (lo >>> 1) | (hi << 63) | sticky;
                hi = (hi >>> 1) | MSB;
                e++;
            }
        } else {
            lo = -bLo;
            hi = m1 - bHi - (bLo != 0 ? 1 : 0);
            if (hi == 0 && lo == 0) {
                result(rc == RC_DOWN ? 0x8000 : 0, 0);
                return;
            }
            int lz = hi != 0 ? Long.numberOfLeadingZeros(hi) : 64 + Long.numberOfLeadingZeros(lo);
            if (lz >= 64) {
                hi = lo << (lz - 64);
                lo = 0;
            } else if (lz > 0) {
                hi = (hi << lz) | (lo >>> (64 - lz));
                lo <<= lz;
            }
            e -= lz;
        }
        round80(s1, e, hi, lo, precision);
    }

    /** a * b rounded to the precision control. */
    void mul(int aSe, long aM, int bSe, long bM) {
        if (nanOperands(aSe, aM, bSe, bM)) {
            return;
        }
        denormalCheck(aSe, aM, bSe, bM);
        int s = (aSe ^ bSe) & 0x8000;
        boolean ai = isInf(aSe, aM);
        boolean bi = isInf(bSe, bM);
        boolean az = isZero(aSe, aM);
        boolean bz = isZero(bSe, bM);
        if (ai || bi) {
            if (az || bz) {
                indefinite();
            } else {
                result(s | 0x7FFF, MSB);
            }
            return;
        }
        if (az || bz) {
            result(s, 0);
            return;
        }
        unpack(aSe, aM);
        int e = ea;
        long m1 = sa;
        unpack(bSe, bM);
        e += ea;
        long hi = Math.unsignedMultiplyHigh(m1, sa);
        long lo = m1 * sa;
        if (hi < 0) {
            e++;
        } else {
            hi = (hi << 1) | (lo >>> 63);
            lo <<= 1;
        }
        round80(s != 0, e, hi, lo, precision);
    }

    /** a / b rounded to the precision control. */
    void div(int aSe, long aM, int bSe, long bM) {
        if (nanOperands(aSe, aM, bSe, bM)) {
            return;
        }
        int s = (aSe ^ bSe) & 0x8000;
        boolean ai = isInf(aSe, aM);
        boolean bi = isInf(bSe, bM);
        boolean az = isZero(aSe, aM);
        boolean bz = isZero(bSe, bM);
        if ((ai && bi) || (az && bz)) {
            indefinite();
            return;
        }
        if (bz && !ai) {
            exc |= ZE; // division by zero reports no denormal dividend
            result(s | 0x7FFF, MSB);
            return;
        }
        denormalCheck(aSe, aM, bSe, bM);
        if (ai) {
            result(s | 0x7FFF, MSB);
            return;
        }
        if (bi || az) {
            result(s, 0);
            return;
        }
        unpack(aSe, aM);
        int e = ea;
        long n = sa;
        unpack(bSe, bM);
        long d = sa;
        e -= ea;
        if (Long.compareUnsigned(n, d) < 0) {
            e--;
        }
        // restoring division, one quotient bit per step; the remainder stays below 2^65 (carry tracked)
        long rem;
        long q = 0;
        long g = 0;
        int produced = 0;
        if (Long.compareUnsigned(n, d) >= 0) {
            rem = n - d;
            q = 1;
            produced = 1;
        } else {
            rem = n;
        }
        while (produced < 66) {
            long carry = rem >>> 63;
            rem <<= 1;
            long bit = 0;
            if (carry != 0 || Long.compareUnsigned(rem, d) >= 0) {
                rem -= d;
                bit = 1;
            }
            if (produced < 64) {
                q = (q << 1) | bit;
            } else {
                g = (g << 1) | bit;
            }
            produced++;
        }
        long hi = q;
        long lo = (g << 62) | (rem != 0 ? 1 : 0);
        round80(s != 0, e, hi, lo, precision);
    }

    /** The square root rounded to the precision control. */
    void sqrt(int aSe, long aM) {
        if (isUnsupported(aSe, aM)) {
            indefinite();
            return;
        }
        if (isNaN(aSe, aM)) {
            if (isSignaling(aSe, aM)) {
                exc |= IE;
            }
            result(aSe, aM | 0x4000000000000000L);
            return;
        }
        if (isZero(aSe, aM)) {
            result(aSe, 0);
            return;
        }
        if (sign(aSe)) {
            indefinite();
            return;
        }
        if (isDenormal(aSe, aM)) {
            exc |= DE;
        }
        if (isInf(aSe, aM)) {
            result(aSe, aM);
            return;
        }
        unpack(aSe, aM);
        // value = sa * 2^(ea-63); radicand scaled so that its root has 128 significant bits
        int e = ea;
        int odd = e & 1;
        BigInteger n = unsigned(sa).shiftLeft(63 + odd + 128);
        BigInteger[] root = n.sqrtAndRemainder();
        BigInteger r = root[0];
        long hi = r.shiftRight(64).longValue();
        long lo = r.longValue() | (root[1].signum() != 0 ? 1 : 0);
        round80(false, (e - odd) / 2, hi, lo, precision);
    }

    static BigInteger unsigned(long v) {
        BigInteger b = BigInteger.valueOf(v & Long.MAX_VALUE);
        return v < 0 ? b.setBit(63) : b;
    }

    private void denormalCheck(int aSe, long aM, int bSe, long bM) {
        if (isDenormal(aSe, aM) || isDenormal(bSe, bM)) {
            exc |= DE;
        }
    }

    // quotient bits of the last remainder operation
    long quotient;
    boolean partial;

    /**
     * FPREM (truncating) or FPREM1 (round to nearest) of a by b. Leaves the low quotient bits in
     * {@link #quotient} and whether the reduction is incomplete in {@link #partial}.
     */
    void remainder(int aSe, long aM, int bSe, long bM, boolean nearest) {
        quotient = 0;
        partial = false;
        if (nanOperands(aSe, aM, bSe, bM)) {
            return;
        }
        if (isInf(aSe, aM) || isZero(bSe, bM)) {
            indefinite();
            return;
        }
        denormalCheck(aSe, aM, bSe, bM);
        if (isInf(bSe, bM) || isZero(aSe, aM)) {
            result(aSe, aM);
            return;
        }
        boolean s = sign(aSe);
        unpack(aSe, aM);
        int e1 = ea;
        long m1 = sa;
        unpack(bSe, bM);
        int e2 = ea;
        long m2 = sa;
        int d = e1 - e2;
        if (d < -1 || (d == -1 && !nearest)) {
            result(aSe, aM);
            return;
        }
        int base = e2;
        BigInteger a = unsigned(m1);
        BigInteger b = unsigned(m2);
        if (d >= 64) {
            // partial remainder: reduce the exponent difference by a chunk, as the hardware does
            partial = true;
            int n = 32 + ((d - 64) % 32);
            int drop = d - n;
            a = a.shiftLeft(n);
            base = e2 + drop;
            // b scaled by 2^drop relative to the new base: same significand, quotient truncated
            BigInteger[] qr = a.divideAndRemainder(b);
            BigInteger r = qr[1];
            quotient = qr[0].longValue();
            packExact(s, r, base);
            return;
        }
        if (d >= 0) {
            a = a.shiftLeft(d);
        } else {
            b = b.shiftLeft(1);
            base = e1;
        }
        BigInteger[] qr = a.divideAndRemainder(b);
        BigInteger q = qr[0];
        BigInteger r = qr[1];
        if (nearest) {
            int c = r.shiftLeft(1).compareTo(b);
            if (c > 0 || (c == 0 && q.testBit(0))) {
                q = q.add(BigInteger.ONE);
                r = b.subtract(r);
                s = !s;
            }
        }
        quotient = q.longValue();
        packExact(s, r, base);
    }

    /** Packs the exact value r * 2^(base-63) with sign s; r fits in 64 bits. */
    private void packExact(boolean s, BigInteger r, int base) {
        if (r.signum() == 0) {
            result(s ? 0x8000 : 0, 0);
            return;
        }
        long v = r.longValue();
        int lz = Long.numberOfLeadingZeros(v);
        round80(s, base - lz, v << lz, 0, 64);
    }

    /** Rounds to an integer under the rounding control (FRNDINT). */
    void roundToInteger(int aSe, long aM) {
        if (isUnsupported(aSe, aM)) {
            indefinite();
            return;
        }
        if (isNaN(aSe, aM)) {
            if (isSignaling(aSe, aM)) {
                exc |= IE;
            }
            result(aSe, aM | 0x4000000000000000L);
            return;
        }
        if (isInf(aSe, aM) || isZero(aSe, aM)) {
            result(aSe, aM);
            return;
        }
        if (isDenormal(aSe, aM)) {
            exc |= DE;
        }
        unpack(aSe, aM);
        if (ea >= 63) {
            result(aSe, aM);
            return;
        }
        boolean s = ua;
        if (ea < 0) {
            exc |= PE;
            boolean one = switch (rc) {
                case RC_NEAREST -> ea == -1 && sa != MSB;
                case RC_DOWN -> s;
                case RC_UP -> !s;
                default -> false;
            };
            roundedUp = one;
            result(s ? 0x8000 : 0, 0);
            if (one) {
                result((s ? 0x8000 : 0) | BIAS, MSB);
            }
            return;
        }
        round80(s, ea, sa, 0, ea + 1);
    }

    /**
     * Converts to a signed integer of {@code bits} bits under the rounding control (or truncating).
     * Returns the integer; an unrepresentable value gives the integer indefinite with IE.
     */
    long toInteger(int aSe, long aM, int bits, boolean truncate) {
        long indefinite = 1L << (bits - 1);
        if (isNaN(aSe, aM) || isInf(aSe, aM) || isUnsupported(aSe, aM)) {
            exc |= IE;
            return indefinite;
        }
        if (isZero(aSe, aM)) {
            return 0;
        }
        int saveRc = rc; // storing a denormal as an integer raises no DE
        if (truncate) {
            rc = RC_ZERO;
        }
        int saveExc = exc;
        exc = 0;
        roundToInteger(aSe, aM);
        rc = saveRc;
        int e = exp(se) - BIAS;
        boolean s = sign(se);
        exc = saveExc | (exc & PE);
        if (m == 0) {
            return 0;
        }
        if (e >= bits) {
            exc = (exc & ~PE) | IE;
            roundedUp = false;
            return indefinite;
        }
        long mag = m >>> (63 - e);
        if (e == bits - 1) {
            if (!(s && mag == indefinite)) {
                exc = (exc & ~PE) | IE;
                roundedUp = false;
                return indefinite;
            }
        }
        return s ? -mag : mag;
    }

    /** Loads a signed 64-bit integer exactly. */
    void fromInteger(long v) {
        if (v == 0) {
            result(0, 0);
            return;
        }
        int s = v < 0 ? 0x8000 : 0;
        long mag = v < 0 ? -v : v;
        int lz = Long.numberOfLeadingZeros(mag);
        result(s | (BIAS + 63 - lz), mag << lz);
    }

    /** Loads a double exactly (SNaN quieted with IE, denormal with DE). */
    void fromDouble(long bits) {
        fromDouble(bits, true);
    }

    /** Converts a double exactly; a signaling NaN is quieted (with IE) only when {@code quiet}. */
    void fromDouble(long bits, boolean quiet) {
        fromBinary((int) (bits >>> 48) & 0x8000, (int) (bits >>> 52) & 0x7FF, bits & 0xFFFFFFFFFFFFFL, 52, 1023, quiet);
    }

    /** Loads a float exactly (SNaN quieted with IE, denormal with DE). */
    void fromFloat(int bits) {
        fromFloat(bits, true);
    }

    /** Converts a float exactly; a signaling NaN is quieted (with IE) only when {@code quiet}. */
    void fromFloat(int bits, boolean quiet) {
        fromBinary((bits >>> 16) & 0x8000, (bits >>> 23) & 0xFF, bits & 0x7FFFFFL, 23, 127, quiet);
    }

    /**
     * Widens an IEEE binary value (sign already at bit 15, biased exponent, fraction of {@code fractionBits})
     * exactly; a signaling NaN is quieted (with IE) only when {@code quiet}, a denormal raises DE.
     */
    private void fromBinary(int sign, int exponent, long fraction, int fractionBits, int bias, boolean quiet) {
        int shift = 63 - fractionBits;
        int maxExponent = 2 * bias + 1;
        if (exponent == maxExponent) {
            boolean signaling = fraction != 0 && (fraction & (1L << (fractionBits - 1))) == 0;
            if (signaling && quiet) {
                exc |= IE;
            }
            result(sign | 0x7FFF, MSB | (fraction << shift) | (fraction != 0 && quiet ? 0x4000000000000000L : 0));
        } else if (exponent == 0) {
            if (fraction == 0) {
                result(sign, 0);
            } else {
                exc |= DE;
                int lz = Long.numberOfLeadingZeros(fraction);
                result(sign | (BIAS - (bias - 1) - (lz - shift)), fraction << lz);
            }
        } else {
            result(sign | (exponent - bias + BIAS), MSB | (fraction << shift));
        }
    }

    /** Rounds to double under the rounding control (FST m64); returns the bits. */
    long toDouble(int aSe, long aM) {
        int s = aSe & 0x8000;
        long sb = (long) s << 48;
        if (isUnsupported(aSe, aM)) {
            exc |= IE;
            return 0xFFF8000000000000L;
        }
        if (isNaN(aSe, aM)) {
            if (isSignaling(aSe, aM)) {
                exc |= IE;
            }
            return sb | 0x7FF8000000000000L | ((aM >>> 11) & 0xFFFFFFFFFFFFFL);
        }
        if (isInf(aSe, aM)) {
            return sb | 0x7FF0000000000000L;
        }
        if (isZero(aSe, aM)) {
            return sb;
        }
        unpack(aSe, aM); // storing a denormal raises no DE
        roundCore(ua, ea, sa, 0, 53, -1022, 1023);
        if (overflowed) {
            return sb | 0x7FF0000000000000L;
        }
        if ((rSig & MSB) == 0) {
            return sb | (rSig >>> 11);
        }
        return sb | ((long) (rE + 1023) << 52) | ((rSig >>> 11) & 0xFFFFFFFFFFFFFL);
    }

    /** Rounds to float under the rounding control (FST m32); returns the bits. */
    int toFloat(int aSe, long aM) {
        int sb = (aSe & 0x8000) << 16;
        if (isUnsupported(aSe, aM)) {
            exc |= IE;
            return 0xFFC00000;
        }
        if (isNaN(aSe, aM)) {
            if (isSignaling(aSe, aM)) {
                exc |= IE;
            }
            return sb | 0x7FC00000 | (int) ((aM >>> 40) & 0x7FFFFF);
        }
        if (isInf(aSe, aM)) {
            return sb | 0x7F800000;
        }
        if (isZero(aSe, aM)) {
            return sb;
        }
        unpack(aSe, aM);
        roundCore(ua, ea, sa, 0, 24, -126, 127);
        if (overflowed) {
            return sb | 0x7F800000;
        }
        if ((rSig & MSB) == 0) {
            return sb | (int) (rSig >>> 40);
        }
        return sb | ((rE + 127) << 23) | (int) ((rSig >>> 40) & 0x7FFFFF);
    }

    /** Multiplies by 2^n, n an integer (FSCALE with a finite scale); rounded at 64 bits. */
    void scale(int aSe, long aM, long n) {
        if (isZero(aSe, aM) || isInf(aSe, aM)) {
            result(aSe, aM);
            return;
        }
        if (isDenormal(aSe, aM)) {
            exc |= DE;
        }
        unpack(aSe, aM);
        long e = ea + Math.max(-70000, Math.min(70000, n));
        round80(ua, (int) e, sa, 0, 64);
    }

    /** Rounds an arbitrary finite value given as a double-free (sign, exponent, 128-bit significand). */
    void roundValue(boolean sign, int e, long hi, long lo, int p) {
        round80(sign, e, hi, lo, p);
    }

    /** Converts to a Java double (round to nearest) for the transcendental functions. */
    static double toJavaDouble(int se, long m) {
        if (isZero(se, m)) {
            return sign(se) ? -0.0 : 0.0;
        }
        if (exp(se) == 0x7FFF) {
            return m == MSB ? (sign(se) ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY) : Double.NaN;
        }
        int e = exp(se) == 0 ? 1 - BIAS : exp(se) - BIAS;
        double v = Math.scalb((double) (m >>> 1) * 2.0 + (m & 1), e - 63);
        return sign(se) ? -v : v;
    }
}
