package io.hvx.cpu.memory;

/** An architectural exception raised by guest code; carries what the OS layer needs to pick a signal. */
public final class GuestFault extends RuntimeException {
    /** The x86 exception kinds the interpreter raises. */
    public enum Kind {
        DIVIDE_ERROR(0), BREAKPOINT(3), UNDEFINED_OPCODE(6), GENERAL_PROTECTION(13), PAGE_FAULT(14),
        DEBUG(1), OVERFLOW(4), BOUND_RANGE(5), DEVICE_NOT_AVAILABLE(7), DOUBLE_FAULT(8), INVALID_TSS(10),
        SEGMENT_NOT_PRESENT(11), STACK_FAULT(12), X87_ERROR(16), ALIGNMENT_CHECK(17), SIMD_ERROR(19);

        private final int vector;

        Kind(int vector) {
            this.vector = vector;
        }

        /** The exception vector in the IDT. */
        public int vector() {
            return vector;
        }

        /** Whether the CPU pushes an error code when it delivers this exception. */
        public boolean hasErrorCode() {
            return switch (this) {
                case DOUBLE_FAULT, INVALID_TSS, SEGMENT_NOT_PRESENT, STACK_FAULT, GENERAL_PROTECTION, PAGE_FAULT,
                     ALIGNMENT_CHECK -> true;
                default -> false;
            };
        }
    }

    private final Kind kind;
    private final long address;
    private final boolean write;
    private final int errorCode;

    public GuestFault(Kind kind, long address, boolean write) {
        this(kind, address, write, 0);
    }

    /** A fault with the error code the CPU pushes (the #PF bits, or a selector index for #GP/#NP/#SS/#TS). */
    public GuestFault(Kind kind, long address, boolean write, int errorCode) {
        // no stack trace: faults are guest behaviour, and filling one in costs more than the fault
        super(kind + " at 0x" + Long.toHexString(address), null, false, false);
        this.kind = kind;
        this.address = address;
        this.write = write;
        this.errorCode = errorCode;
    }

    public int errorCode() {
        return errorCode;
    }

    public Kind kind() {
        return kind;
    }

    /** The faulting data address for page faults, the instruction address otherwise. */
    public long address() {
        return address;
    }

    public boolean write() {
        return write;
    }
}
