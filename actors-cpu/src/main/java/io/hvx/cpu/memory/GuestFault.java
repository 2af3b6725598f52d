package io.hvx.cpu.memory;

/** An architectural exception raised by guest code; carries what the OS layer needs to pick a signal. */
public final class GuestFault extends RuntimeException {
    /** The x86 exception kinds the interpreter raises. */
    public enum Kind { DIVIDE_ERROR, BREAKPOINT, UNDEFINED_OPCODE, GENERAL_PROTECTION, PAGE_FAULT }

    private final Kind kind;
    private final long address;
    private final boolean write;

    public GuestFault(Kind kind, long address, boolean write) {
        // no stack trace: faults are guest behaviour, and filling one in costs more than the fault
        super(kind + " at 0x" + Long.toHexString(address), null, false, false);
        this.kind = kind;
        this.address = address;
        this.write = write;
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
