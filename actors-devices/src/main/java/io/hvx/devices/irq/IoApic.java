package io.hvx.devices.irq;

import io.hvx.devices.bus.MmioDevice;

/**
 * An I/O APIC (version 0x20, 24 pins): the redirection table that turns device interrupt lines
 * into messages to local APICs, edge- or level-triggered, with remote IRR for level pins.
 *
 * <p>Devices drive pins through {@link #line(int)} from their own threads; vCPUs program it through
 * the IOREGSEL/IOWIN window. One monitor guards the table; it is held only briefly and never while
 * waiting for anything, so devices, vCPUs and EOIs do not deadlock.
 */
public final class IoApic implements MmioDevice, ApicBus.EoiListener {

    public static final int VERSION = 0x20;
    static final int IOREGSEL = 0x00;
    static final int IOWIN = 0x10;
    static final int EOI = 0x40;

    static final long MASKED = 1L << 16;
    static final long LEVEL = 1L << 15;
    static final long REMOTE_IRR = 1L << 14;
    static final long DELIVERY_PENDING = 1L << 12;
    static final long LOGICAL = 1L << 11;
    private static final long READ_ONLY = REMOTE_IRR | DELIVERY_PENDING;

    private final ApicBus bus;
    private final long[] redirection;
    private final boolean[] asserted;
    private final IrqLine[] lines;
    private int select;
    private int id;

    public IoApic(int pins, ApicBus bus) {
        this.bus = bus;
        this.redirection = new long[pins];
        this.asserted = new boolean[pins];
        this.lines = new IrqLine[pins];
        for (int pin = 0; pin < pins; pin++) {
            redirection[pin] = MASKED;
            int p = pin;
            lines[pin] = level -> set(p, level);
        }
        bus.eoiListener(this);
    }

    /** The line of pin {@code pin} (a GSI), created once. */
    public IrqLine line(int pin) {
        if (pin < 0 || pin >= lines.length) {
            throw new IllegalArgumentException("I/O APIC pin %d is outside 0..%d".formatted(pin, lines.length - 1));
        }
        return lines[pin];
    }

    public int pins() {
        return redirection.length;
    }

    /** The redirection entry of {@code pin} (for tests and diagnostics). */
    public synchronized long redirectionEntry(int pin) {
        return redirection[pin];
    }

    private synchronized void set(int pin, boolean level) {
        boolean was = asserted[pin];
        asserted[pin] = level;
        long entry = redirection[pin];
        if ((entry & LEVEL) != 0) {
            if (level) {
                deliverLevel(pin);
            }
        } else if (level && !was) {
            deliver(entry, false);
        }
    }

    private void deliverLevel(int pin) {
        long entry = redirection[pin];
        if ((entry & (MASKED | REMOTE_IRR)) != 0 || !asserted[pin]) {
            return;
        }
        if (deliver(entry, true)) {
            redirection[pin] = entry | REMOTE_IRR;
        }
    }

    private boolean deliver(long entry, boolean level) {
        if ((entry & MASKED) != 0) {
            return false;
        }
        int mode = (int) (entry >>> 8) & 7;
        return bus.send(null, ApicBus.NO_SHORTHAND, (int) (entry >>> 56), (entry & LOGICAL) != 0, mode,
            (int) entry & 0xff, level) > 0;
    }

    @Override
    public synchronized void endOfInterrupt(int vector) {
        for (int pin = 0; pin < redirection.length; pin++) {
            long entry = redirection[pin];
            if ((entry & REMOTE_IRR) != 0 && (entry & 0xff) == vector) {
                redirection[pin] = entry & ~REMOTE_IRR;
                deliverLevel(pin);
            }
        }
    }

    @Override
    public synchronized long read(long offset, int size) {
        if (offset == IOREGSEL) {
            return select;
        }
        if (offset != IOWIN) {
            return 0;
        }
        return switch (select) {
            case 0 -> (long) id << 24;
            case 1 -> ((long) (redirection.length - 1) << 16) | VERSION;
            case 2 -> (long) id << 24;
            default -> {
                int index = select - 0x10;
                if (index < 0 || index >= 2 * redirection.length) {
                    yield 0xffff_ffffL;
                }
                long entry = redirection[index >>> 1];
                yield (index & 1) == 0 ? entry & 0xffff_ffffL : entry >>> 32;
            }
        };
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        int v = (int) value;
        if (offset == IOREGSEL) {
            select = v & 0xff;
            return;
        }
        if (offset == EOI) {
            endOfInterrupt(v & 0xff);
            return;
        }
        if (offset != IOWIN) {
            return;
        }
        if (select == 0) {
            id = (v >>> 24) & 0xf;
            return;
        }
        int index = select - 0x10;
        if (index < 0 || index >= 2 * redirection.length) {
            return;
        }
        int pin = index >>> 1;
        long old = redirection[pin];
        long entry;
        if ((index & 1) == 0) {
            entry = (old & (0xffff_ffff_0000_0000L | READ_ONLY)) | (Integer.toUnsignedLong(v) & ~READ_ONLY);
        } else {
            entry = (old & 0xffff_ffffL) | ((long) v << 32);
        }
        if ((entry & LEVEL) == 0) {
            entry &= ~REMOTE_IRR;
        }
        redirection[pin] = entry;
        if ((entry & LEVEL) != 0) {
            // unmasking (or re-targeting) an asserted level pin delivers it now
            deliverLevel(pin);
        }
    }
}
