package io.hvx.devices.serial;

import io.hvx.devices.bus.PortDevice;
import io.hvx.devices.irq.IrqLine;

/**
 * A 16550A UART (COM1 is the console): transmitted bytes go to a {@link ByteSink} at once, received
 * bytes come from the host through {@link #receive}, with the 16550's registers, FIFO identification,
 * loopback and interrupts (gated by MCR OUT2, as on a PC).
 *
 * <p>The receive buffer holds {@link #RECEIVE_BUFFER} bytes; when it is full {@code receive} accepts
 * fewer bytes, so the host side waits instead of losing input. The vCPU thread and the host input
 * thread meet on this object's monitor.
 */
public final class Uart16550 implements PortDevice {

    public static final int RECEIVE_BUFFER = 4096;

    static final int IER_RX = 1;
    static final int IER_THRE = 2;
    static final int IER_LINE_STATUS = 4;
    static final int IIR_NONE = 0x01;
    static final int IIR_LINE_STATUS = 0x06;
    static final int IIR_RX = 0x04;
    static final int IIR_THRE = 0x02;
    static final int IIR_FIFO = 0xc0;
    static final int LCR_DLAB = 0x80;
    static final int MCR_LOOP = 0x10;
    static final int MCR_OUT2 = 0x08;
    static final int LSR_DATA_READY = 0x01;
    static final int LSR_OVERRUN = 0x02;
    static final int LSR_THR_EMPTY = 0x20;
    static final int LSR_IDLE = 0x40;

    private final int base;
    private final IrqLine irq;
    private final ByteSink sink;
    private final byte[] rx = new byte[RECEIVE_BUFFER];
    private int rxHead;
    private int rxCount;
    private int ier;
    private int lcr;
    private int mcr;
    private int scratch;
    private int divisor = 12; // 9600 baud until the guest programs it
    private boolean fifoEnabled;
    private boolean thrEmptyPending;
    private boolean overrun;
    private boolean lineHigh;

    public Uart16550(int base, IrqLine irq, ByteSink sink) {
        this.base = base;
        this.irq = irq;
        this.sink = sink;
    }

    /** Queues host input for the guest; returns how many of the bytes were accepted. Any thread. */
    public synchronized int receive(byte[] data, int offset, int length) {
        int accepted = Math.min(length, rx.length - rxCount);
        for (int i = 0; i < accepted; i++) {
            rx[(rxHead + rxCount + i) % rx.length] = data[offset + i];
        }
        rxCount += accepted;
        if (accepted > 0) {
            updateIrq();
        }
        return accepted;
    }

    /** Bytes received and not yet read by the guest. */
    public synchronized int pendingInput() {
        return rxCount;
    }

    @Override
    public synchronized int in(int port, int size) {
        int value = switch (port - base) {
            case 0 -> (lcr & LCR_DLAB) != 0 ? divisor & 0xff : readReceiver();
            case 1 -> (lcr & LCR_DLAB) != 0 ? divisor >>> 8 : ier;
            case 2 -> readInterruptId();
            case 3 -> lcr;
            case 4 -> mcr;
            case 5 -> readLineStatus();
            case 6 -> modemStatus();
            case 7 -> scratch;
            default -> 0xff;
        };
        updateIrq();
        return value;
    }

    @Override
    public synchronized void out(int port, int size, int value) {
        int v = value & 0xff;
        switch (port - base) {
            case 0 -> {
                if ((lcr & LCR_DLAB) != 0) {
                    divisor = (divisor & 0xff00) | v;
                } else {
                    transmit(v);
                }
            }
            case 1 -> {
                if ((lcr & LCR_DLAB) != 0) {
                    divisor = (divisor & 0xff) | (v << 8);
                } else {
                    boolean thriEnabled = (ier & IER_THRE) == 0 && (v & IER_THRE) != 0;
                    ier = v & 0x0f;
                    if (thriEnabled) {
                        thrEmptyPending = true; // the transmitter is always empty: enabling THRI raises it
                    }
                }
            }
            case 2 -> {
                fifoEnabled = (v & 1) != 0;
                if ((v & 2) != 0) {
                    rxHead = 0;
                    rxCount = 0;
                }
            }
            case 3 -> lcr = v;
            case 4 -> mcr = v & 0x1f;
            case 7 -> scratch = v;
            default -> {
                // LSR and MSR are read-only
            }
        }
        updateIrq();
    }

    private void transmit(int b) {
        if ((mcr & MCR_LOOP) != 0) {
            if (rxCount == rx.length) {
                overrun = true;
            } else {
                rx[(rxHead + rxCount) % rx.length] = (byte) b;
                rxCount++;
            }
        } else {
            sink.write(b);
        }
        // the byte left at once: the holding register is empty again
        thrEmptyPending = true;
    }

    private int readReceiver() {
        if (rxCount == 0) {
            return 0;
        }
        int b = rx[rxHead] & 0xff;
        rxHead = (rxHead + 1) % rx.length;
        rxCount--;
        return b;
    }

    private int readInterruptId() {
        int id = pendingInterrupt();
        if (id == IIR_THRE) {
            thrEmptyPending = false; // reading IIR while it reports THRE clears that source
        }
        return id | (fifoEnabled ? IIR_FIFO : 0);
    }

    private int readLineStatus() {
        int lsr = LSR_THR_EMPTY | LSR_IDLE | (rxCount > 0 ? LSR_DATA_READY : 0) | (overrun ? LSR_OVERRUN : 0);
        overrun = false;
        return lsr;
    }

    private int modemStatus() {
        if ((mcr & MCR_LOOP) != 0) {
            // loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD
            return ((mcr & 1) << 5) | ((mcr & 2) << 3) | ((mcr & 4) << 4) | ((mcr & 8) << 4);
        }
        return 0xb0; // carrier detect, data set ready, clear to send: a terminal is always attached
    }

    private int pendingInterrupt() {
        if ((ier & IER_LINE_STATUS) != 0 && overrun) {
            return IIR_LINE_STATUS;
        }
        if ((ier & IER_RX) != 0 && rxCount > 0) {
            return IIR_RX;
        }
        if ((ier & IER_THRE) != 0 && thrEmptyPending) {
            return IIR_THRE;
        }
        return IIR_NONE;
    }

    private void updateIrq() {
        boolean high = (mcr & MCR_OUT2) != 0 && (mcr & MCR_LOOP) == 0 && pendingInterrupt() != IIR_NONE;
        if (high != lineHigh) {
            lineHigh = high;
            irq.set(high);
        }
    }
}
