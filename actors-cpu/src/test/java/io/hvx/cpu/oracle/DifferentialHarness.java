package io.hvx.cpu.oracle;

import io.hvx.cpu.decode.ByteSource;
import io.hvx.cpu.decode.Decoder;
import io.hvx.cpu.decode.Instruction;
import io.hvx.cpu.interp.CpuState;
import io.hvx.cpu.interp.Interpreter;
import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.memory.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Generates random instances of {@link Forms}, runs each on the host CPU and in the interpreter, and
 * reports the first difference in registers, defined flags or memory.
 */
final class DifferentialHarness implements AutoCloseable {
    private static final long CODE_ADDRESS = 0x10000;
    private static final long DF = 0x400;
    static final int X87_EXACT = 12;
    static final int X87_APPROXIMATE = 13;

    private final HostCpu host = new HostCpu();
    private final GuestMemory guest = new GuestMemory();
    private final CpuState cpu = new CpuState();
    private final Interpreter interpreter = new Interpreter(cpu, guest);
    private final Instruction insn = new Instruction();
    private final long dataAddress;
    private final Map<String, Integer> exercised = new LinkedHashMap<>();
    private int skipped;

    DifferentialHarness() {
        dataAddress = host.data().address();
        guest.map(dataAddress, 4096, GuestMemory.READ | GuestMemory.WRITE);
    }

    Map<String, Integer> exercised() {
        return exercised;
    }

    int skipped() {
        return skipped;
    }

    /** Runs {@code cases} random cases; returns null when all agree, else a report of the first difference. */
    String run(List<Form> forms, long seed, int cases) {
        SplittableRandom rnd = new SplittableRandom(seed);
        for (Form f : forms) {
            exercised.putIfAbsent(f.name(), 0);
        }
        byte[] page = new byte[4096];
        for (int n = 0; n < cases; n++) {
            Form f = forms.get(rnd.nextInt(forms.size()));
            String diff = runOne(f, rnd, page, n, seed);
            if (diff != null) {
                return diff;
            }
        }
        return null;
    }

    /** A quadword holding one double or two floats of the interesting classes. */
    private static long floatLanes(SplittableRandom rnd) {
        if (rnd.nextBoolean()) {
            return X87Operands.ieee(rnd, 11, 52, false);
        }
        return (X87Operands.ieee(rnd, 8, 23, false) & 0xFFFFFFFFL) | X87Operands.ieee(rnd, 8, 23, false) << 32;
    }

    private static long randomValue(SplittableRandom rnd) {
        return switch (rnd.nextInt(8)) {
            case 0 -> 0;
            case 1 -> -1;
            case 2 -> rnd.nextInt(64);
            case 3 -> 1L << rnd.nextInt(64);
            case 4 -> (1L << rnd.nextInt(64)) - 1;
            case 5 -> rnd.nextInt(256) - 128;
            default -> rnd.nextLong();
        };
    }

    private String runOne(Form f, SplittableRandom rnd, byte[] page, int caseIndex, long seed) {
        long[] regs = new long[16];
        for (int r = 0; r < 16; r++) {
            regs[r] = randomValue(rnd);
        }
        long flags = 2 | (rnd.nextLong() & (Forms.ALL | DF));
        long[] xmm = new long[32];
        for (int k = 0; k < 32; k++) {
            xmm[k] = rnd.nextInt(4) == 0 ? xmm[rnd.nextInt(k + 1)] : randomValue(rnd);
            if (f.kind() >= 9 && f.kind() <= 11 && rnd.nextBoolean()) {
                xmm[k] = floatLanes(rnd);
            }
        }
        boolean x87 = f.kind() == X87_EXACT || f.kind() == X87_APPROXIMATE;
        byte[] fx = new byte[512];
        FpuState.fill(rnd, fx, xmm, f.kind() == X87_APPROXIMATE);
        int size;
        do {
            size = 1 << rnd.nextInt(4);
        } while ((f.sizes() & size) == 0);
        boolean byteForm = f.sizes() == Form.B;
        java.io.ByteArrayOutputStream code = new java.io.ByteArrayOutputStream();
        if (size == 2 && f.vex() == 0) {
            code.write(0x66);
        }
        if (f.prefix() != 0) {
            code.write(f.prefix());
        }
        int rexR = rnd.nextInt(2);
        int rexB = rnd.nextInt(2);
        boolean rex = size == 8 || rexR != 0 || rexB != 0 || rnd.nextInt(4) == 0;
        if (!rex) {
            rexR = 0;
            rexB = 0;
        }
        int modrmByte = -1;
        int sib = -1;
        int disp = 0;
        int base = -1;
        boolean memory = false;
        int opcodeReg = -1;
        if (f.modrm() != -2) {
            memory = f.memory() == 1 || (f.memory() == 0 && rnd.nextBoolean());
            int reg = f.modrm() >= 0 ? f.modrm() : rnd.nextInt(8);
            if (f.modrm() < 0 && (reg | rexR << 3) == 4) {
                reg = 5;
            }
            if (memory) {
                int baseLow = rnd.nextInt(8);
                if ((baseLow | rexB << 3) == 4) {
                    baseLow = 3;
                }
                base = baseLow | rexB << 3;
                if (f.kind() == 6 && base == (reg | rexR << 3)) {
                    base = base == 3 ? 1 : 3;
                    rexB = 0;
                    baseLow = base;
                }
                modrmByte = 0x40 | reg << 3 | 4;
                sib = 4 << 3 | baseLow;
                disp = f.kind() == 7 || f.kind() == 9 ? (rnd.nextInt(12) - 6) * 16 : rnd.nextInt(193) - 96;
                regs[base] = dataAddress + 2048;
            } else {
                int rm = rnd.nextInt(8);
                if ((rm | rexB << 3) == 4) {
                    rm = 6;
                }
                modrmByte = 0xC0 | reg << 3 | rm;
            }
            if (f.kind() == 6 && memory) {
                regs[reg | rexR << 3] = rnd.nextInt(512) - 256;
            }
        } else if (f.opReg()) {
            opcodeReg = rnd.nextInt(8);
            if ((opcodeReg | rexB << 3) == 4) {
                opcodeReg = 2;
            }
        }
        if (f.vex() != 0) {
            int vvvv = rnd.nextInt(16);
            if (vvvv == 4) {
                vvvv = 9; // never the stack pointer: BLS* and MULX write VEX.vvvv
            }
            if ((f.vex() >>> 2 & 3) == 3) {
                vvvv = 0; // RORX, the one 0F 3A form, has no vvvv operand (encoded 1111b)
            }
            code.write(0xC4);
            code.write((rexR ^ 1) << 7 | 1 << 6 | (rexB ^ 1) << 5 | (f.vex() >>> 2 & 0x1F));
            code.write((size == 8 ? 0x80 : 0) | (~vvvv & 15) << 3 | (f.vex() & 3));
        } else if (rex) {
            code.write(0x40 | (size == 8 ? 8 : 0) | rexR << 2 | rexB);
        }
        byte[] op = f.opcode().clone();
        if (opcodeReg >= 0) {
            op[op.length - 1] += (byte) opcodeReg;
        }
        code.writeBytes(op);
        if (modrmByte >= 0) {
            code.write(modrmByte);
            if (sib >= 0) {
                code.write(sib);
                code.write(disp);
            }
        }
        int immBytes = switch (f.imm()) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> 2;
            case 4 -> size == 2 ? 2 : 4;
            default -> size == 8 ? 8 : size == 2 ? 2 : 4;
        };
        long imm = rnd.nextLong();
        for (int k = 0; k < immBytes; k++) {
            code.write((int) (imm >>> (8 * k)));
        }
        if (f.kind() == 5) {
            regs[6] = dataAddress + 1024 + rnd.nextInt(64);
            regs[7] = dataAddress + 2048 + rnd.nextInt(64);
            regs[1] = rnd.nextInt(10);
            if (rnd.nextInt(4) == 0) {
                // make some compares run to the end by equal data
                regs[0] = 0;
            }
        }
        byte[] bytes = code.toByteArray();
        rnd.nextBytes(page);
        if (f.kind() == 9 && memory && rnd.nextBoolean()) {
            for (int k = 0; k < 16; k += 8) {
                long v = floatLanes(rnd);
                for (int j = 0; j < 8; j++) {
                    page[2048 + disp + k + j] = (byte) (v >>> (8 * j));
                }
            }
        }
        if (x87 && memory) {
            X87Operands.fill(rnd, page, 2048 + disp, f.opcode()[0] & 0xFF, modrmByte >>> 3 & 7, f.kind() == X87_APPROXIMATE);
        }
        if (f.kind() == 5 && rnd.nextBoolean()) {
            java.util.Arrays.fill(page, 1024, 1200, (byte) 0);
            java.util.Arrays.fill(page, 2048, 2200, (byte) 0);
        }

        // undefined flags that depend on the operands
        long undefined = f.undefined();
        int bits = size * 8;
        int count = -1;
        if (f.kind() >= 1 && f.kind() <= 3) {
            int raw = switch (f.opcode()[f.opcode().length - 1] & 0xFF) {
                case 0xD0, 0xD1 -> 1;
                case 0xD2, 0xD3, 0xA5, 0xAD -> (int) regs[1];
                default -> (int) (imm & 0xFF);
            };
            count = raw & (size == 8 ? 0x3F : 0x1F);
            if (count != 0) {
                if (f.kind() != 2) {
                    undefined |= Forms.AF;
                }
                if (count != 1) {
                    undefined |= Forms.OF;
                }
                if (f.kind() == 1 && count >= bits) {
                    undefined |= Forms.CF;
                }
                if (f.kind() == 3 && count > bits) {
                    skipped++;
                    return null; // the SDM leaves the 16-bit result undefined
                }
            }
        }

        // interpreter
        guest.load(dataAddress, page, 0, 4096);
        System.arraycopy(regs, 0, cpu.regs, 0, 16);
        FpuState.load(fx, cpu);
        cpu.flagOp = 0; // the status flags below are current (CpuState's rule for writing rflags)
        cpu.rflags = flags;
        ByteSource src = a -> {
            long o = a - CODE_ADDRESS;
            if (o < 0 || o >= bytes.length) {
                throw new GuestFault(GuestFault.Kind.PAGE_FAULT, a, false);
            }
            return bytes[(int) o] & 0xFF;
        };
        String hex = HexFormat.ofDelimiter(" ").formatHex(bytes);
        GuestFault fault = null;
        try {
            Decoder.decode(src, CODE_ADDRESS, insn);
            if (insn.length != bytes.length) {
                return report(seed, caseIndex, f, hex, regs, flags, "decoded length " + insn.length
                        + " (" + insn + ") but the encoding has " + bytes.length + " bytes");
            }
            interpreter.execute(insn);
        } catch (GuestFault e) {
            fault = e;
        }
        if (fault != null) {
            if (f.kind() == 4 && fault.kind() == GuestFault.Kind.DIVIDE_ERROR) {
                skipped++;
                return null; // the host would raise #DE too; running it natively would kill the JVM
            }
            if (f.kind() == 7 && fault.kind() == GuestFault.Kind.GENERAL_PROTECTION) {
                skipped++;
                return null;
            }
            return report(seed, caseIndex, f, hex, regs, flags, "interpreter raised " + fault.getMessage());
        }

        // host
        MemorySegment data = host.data();
        MemorySegment.copy(page, 0, data, ValueLayout.JAVA_BYTE, 0, 4096);
        long[] hostRegs = regs.clone();
        long[] hostFlags = {flags};
        byte[] hostFx = fx.clone();
        host.run(bytes, hostRegs, hostFlags, hostFx);

        exercised.merge(f.name(), 1, Integer::sum);
        StringBuilder diff = new StringBuilder();
        for (int r = 0; r < 16; r++) {
            if (r == 4) {
                continue;
            }
            if (hostRegs[r] != cpu.regs[r]) {
                if (f.kind() == 8 && isZeroSource(regs, modrmByte, rexB, memory, page, disp, size)) {
                    continue;
                }
                diff.append(String.format("  r%d host=%016x hvx=%016x%n", r, hostRegs[r], cpu.regs[r]));
            }
        }
        int swMask = 0xFFFF;
        int slack = 0;
        if (f.kind() == X87_APPROXIMATE) {
            swMask &= ~(0x20 | 0x10 | 0x200); // the inexact, underflow and rounded-up reports of an approximation
            slack = 16;
        }
        if (f.kind() == X87_EXACT && (f.opcode()[0] & 0xFF) == 0xD9 && f.opcode().length > 1
                && ((f.opcode()[1] & 0xFF) == 0xF5 || (f.opcode()[1] & 0xFF) == 0xF8)
                && (hostFx[3] & 0x04) != 0) {
            swMask &= ~(0x100 | 0x200 | 0x4000); // a partial remainder leaves the quotient bits undefined
        }
        FpuState.compare(hostFx, cpu, swMask, slack, diff);
        long compared = (Forms.ALL | DF) & ~undefined;
        cpu.materializeFlags();
        if ((hostFlags[0] & compared) != (cpu.rflags & compared)) {
            diff.append(String.format("  flags host=%03x hvx=%03x (compared %03x)%n", hostFlags[0] & compared,
                    cpu.rflags & compared, compared));
        }
        byte[] guestPage = new byte[4096];
        guest.copyOut(dataAddress, guestPage, 0, 4096);
        if (f.name().equals("fxsave")) {
            // MXCSR_MASK names the host's own MXCSR extensions (AMD's misaligned-SSE bit): hvx reports its own
            for (int k = 28; k < 32; k++) {
                data.set(ValueLayout.JAVA_BYTE, 2048 + disp + k, guestPage[2048 + disp + k]);
            }
        }
        for (int k = 0; k < 4096; k++) {
            byte h = data.get(ValueLayout.JAVA_BYTE, k);
            if (h != guestPage[k]) {
                diff.append(String.format("  memory +%d host=%02x hvx=%02x%n", k, h, guestPage[k]));
                break;
            }
        }
        if (!diff.isEmpty()) {
            return report(seed, caseIndex, f, hex, regs, flags, "differs:\n" + diff);
        }
        return null;
    }

    private static boolean isZeroSource(long[] regs, int modrm, int rexB, boolean memory, byte[] page, int disp,
                                        int size) {
        // BSF/BSR leave the destination undefined when the source is zero
        if (memory) {
            long v = 0;
            for (int k = size - 1; k >= 0; k--) {
                v = v << 8 | (page[2048 + disp + k] & 0xFF);
            }
            return v == 0;
        }
        int rm = (modrm & 7) | rexB << 3;
        long m = size == 8 ? -1L : (1L << (size * 8)) - 1;
        return (regs[rm] & m) == 0;
    }

    private static String report(long seed, int index, Form f, String hex, long[] regs, long flags, String what) {
        StringBuilder s = new StringBuilder();
        s.append("seed ").append(seed).append(" case ").append(index).append(": ").append(f.name())
                .append(" [").append(hex).append("] ").append(what).append("\n  input:");
        for (int r = 0; r < 16; r++) {
            s.append(String.format(" r%d=%x", r, regs[r]));
        }
        s.append(String.format(" flags=%x", flags));
        s.append(" (xmm inputs come from the same seed)");
        return s.toString();
    }

    @Override
    public void close() {
        host.close();
        guest.close();
    }
}
