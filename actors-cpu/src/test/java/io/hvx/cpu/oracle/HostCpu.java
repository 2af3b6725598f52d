package io.hvx.cpu.oracle;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.io.ByteArrayOutputStream;

/**
 * Runs one instruction on the host CPU: a hand-assembled stub saves the JVM's x87/SSE state, loads all
 * general registers (except RSP), RFLAGS and an FXSAVE image (x87, MMX, XMM, MXCSR) from a state buffer,
 * executes the instruction, stores them back and restores the JVM's state.
 */
final class HostCpu implements AutoCloseable {
    static final int FLAGS_OFFSET = 128;
    static final int FX_OFFSET = 256;
    static final int HOST_FX_OFFSET = 768;
    static final int STATE_BYTES = 1280;
    private static final int PROT_RWX = 7;
    private static final int PROT_RW = 3;
    private static final int MAP_PRIVATE_ANON = 0x22;

    private final MethodHandle munmap;
    private final MemorySegment code;
    private final MemorySegment data;
    private final MemorySegment state;
    private final MethodHandle call;
    private final Arena arena = Arena.ofConfined();

    HostCpu() {
        Linker linker = Linker.nativeLinker();
        MethodHandle mmap = linker.downcallHandle(linker.defaultLookup().find("mmap").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
        munmap = linker.downcallHandle(linker.defaultLookup().find("munmap").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        try {
            code = ((MemorySegment) mmap.invokeExact(MemorySegment.NULL, 4096L, PROT_RWX, MAP_PRIVATE_ANON, -1, 0L))
                    .reinterpret(4096);
            data = ((MemorySegment) mmap.invokeExact(MemorySegment.NULL, 4096L, PROT_RW, MAP_PRIVATE_ANON, -1, 0L))
                    .reinterpret(4096);
        } catch (Throwable t) {
            throw new IllegalStateException("mmap failed", t);
        }
        if (code.address() == -1 || data.address() == -1) {
            throw new IllegalStateException("mmap returned MAP_FAILED");
        }
        state = arena.allocate(STATE_BYTES, 16);
        call = linker.downcallHandle(code, FunctionDescriptor.ofVoid(ValueLayout.ADDRESS));
    }

    /** The 4 KiB data page that memory operands point into. */
    MemorySegment data() {
        return data;
    }

    /**
     * Runs the instruction with the given registers (RSP ignored), flags and FXSAVE image, updating them
     * in place.
     */
    void run(byte[] instruction, long[] regs, long[] flags, byte[] fx) {
        byte[] stub = assemble(instruction);
        MemorySegment.copy(stub, 0, code, ValueLayout.JAVA_BYTE, 0, stub.length);
        for (int r = 0; r < 16; r++) {
            state.set(ValueLayout.JAVA_LONG, r * 8L, regs[r]);
        }
        state.set(ValueLayout.JAVA_LONG, FLAGS_OFFSET, flags[0]);
        MemorySegment.copy(fx, 0, state, ValueLayout.JAVA_BYTE, FX_OFFSET, 512);
        try {
            call.invokeExact(state);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        for (int r = 0; r < 16; r++) {
            if (r != 4) {
                regs[r] = state.get(ValueLayout.JAVA_LONG, r * 8L);
            }
        }
        flags[0] = state.get(ValueLayout.JAVA_LONG, FLAGS_OFFSET);
        MemorySegment.copy(state, ValueLayout.JAVA_BYTE, FX_OFFSET, fx, 0, 512);
    }

    private static byte[] assemble(byte[] instruction) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(new byte[] {0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57, 0x57});
        fx(b, 0, HOST_FX_OFFSET); // fxsave64: keep the JVM's x87/SSE state
        // push qword [rdi+128]; popfq
        b.writeBytes(new byte[] {(byte) 0xFF, (byte) 0xB7, (byte) FLAGS_OFFSET, 0, 0, 0, (byte) 0x9D});
        fx(b, 1, FX_OFFSET); // fxrstor64: the case's x87/SSE state
        for (int r = 0; r < 16; r++) {
            if (r != 4 && r != 7) {
                movRdi(b, 0x8B, r);
            }
        }
        movRdi(b, 0x8B, 7); // rdi last: it is the base of every load
        b.writeBytes(instruction);
        // push rdi; mov rdi,[rsp+8]
        b.writeBytes(new byte[] {0x57, 0x48, (byte) 0x8B, 0x7C, 0x24, 0x08});
        for (int r = 0; r < 16; r++) {
            if (r != 4 && r != 7) {
                movRdi(b, 0x89, r);
            }
        }
        fx(b, 0, FX_OFFSET);
        b.write(0x58); // pop rax (guest rdi)
        movRdi(b, 0x89, 7 - 7); // mov [rdi+0],rax would clobber: store rax into rdi's slot instead
        byte[] sofar = b.toByteArray();
        // patch the last store to target slot 7 (rdi)
        sofar[sofar.length - 4] = 7 * 8;
        b.reset();
        b.writeBytes(sofar);
        // reload guest rax from its slot is unnecessary: rax was already stored before
        b.writeBytes(new byte[] {(byte) 0x9C, 0x58}); // pushfq; pop rax
        b.writeBytes(new byte[] {0x48, (byte) 0x89, (byte) 0x87, (byte) FLAGS_OFFSET, 0, 0, 0});
        fx(b, 1, HOST_FX_OFFSET);
        b.writeBytes(new byte[] {(byte) 0xFC, 0x5F, 0x41, 0x5F, 0x41, 0x5E, 0x41, 0x5D, 0x41, 0x5C, 0x5D, 0x5B,
                (byte) 0xC3});
        return b.toByteArray();
    }

    /** fxsave64 [rdi+disp32] (reg 0) or fxrstor64 [rdi+disp32] (reg 1). */
    private static void fx(ByteArrayOutputStream b, int reg, int disp) {
        b.writeBytes(new byte[] {0x48, 0x0F, (byte) 0xAE, (byte) (0x87 | reg << 3), (byte) disp, (byte) (disp >>> 8), 0,
                0});
    }

    /** mov reg,[rdi+disp32] (0x8B) or mov [rdi+disp32],reg (0x89) for the register's slot. */
    private static void movRdi(ByteArrayOutputStream b, int opcode, int reg) {
        b.write(0x48 | (reg >= 8 ? 4 : 0));
        b.write(opcode);
        b.write(0x80 | ((reg & 7) << 3) | 7);
        int disp = reg * 8;
        b.write(disp);
        b.write(0);
        b.write(0);
        b.write(0);
    }

    @Override
    public void close() {
        try {
            int unused = (int) munmap.invokeExact(code, 4096L);
            unused = (int) munmap.invokeExact(data, 4096L);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
        arena.close();
    }
}
