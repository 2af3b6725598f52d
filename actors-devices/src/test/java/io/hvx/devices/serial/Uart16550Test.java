package io.hvx.devices.serial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.bus.IoBus;
import io.hvx.devices.irq.IrqLine;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Register behaviour from the 16550A data sheet, driven through the I/O bus as a vCPU would. */
class Uart16550Test {

    private static final int COM1 = 0x3f8;
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final boolean[] line = new boolean[1];
    private int edges;
    private final IrqLine irq = asserted -> {
        if (asserted && !line[0]) {
            edges++;
        }
        line[0] = asserted;
    };
    private final Uart16550 uart = new Uart16550(COM1, irq, console::write);
    private final IoBus bus = new IoBus();

    @BeforeEach
    void attach() {
        bus.registerPorts(COM1, 8, uart);
    }

    @Test
    void transmitted_bytes_reach_the_sink_and_the_transmitter_always_looks_empty() {
        for (byte b : "hello\n".getBytes(StandardCharsets.US_ASCII)) {
            assertEquals(0x60, bus.in(COM1 + 5, 1) & 0x60, "THRE and TEMT");
            bus.out(COM1, 1, b);
        }
        assertEquals("hello\n", console.toString(StandardCharsets.US_ASCII));
    }

    @Test
    void divisor_latch_and_scratch_registers_hold_their_values() {
        bus.out(COM1 + 3, 1, 0x83); // DLAB, 8N1
        bus.out(COM1, 1, 0x01);
        bus.out(COM1 + 1, 1, 0x00); // 115200 baud
        assertEquals(0x01, bus.in(COM1, 1));
        assertEquals(0x00, bus.in(COM1 + 1, 1));
        bus.out(COM1 + 3, 1, 0x03);
        assertEquals(0x03, bus.in(COM1 + 3, 1));
        bus.out(COM1 + 7, 1, 0x5a);
        assertEquals(0x5a, bus.in(COM1 + 7, 1));
        assertEquals(0, console.size(), "divisor writes are not data");
    }

    @Test
    void received_bytes_raise_data_ready_and_the_receive_interrupt() {
        bus.out(COM1 + 4, 1, 0x0b); // DTR, RTS, OUT2
        bus.out(COM1 + 1, 1, 0x01); // receive interrupt
        assertEquals(0x01, bus.in(COM1 + 2, 1), "no interrupt pending");
        assertFalse(line[0]);
        uart.receive("ls".getBytes(StandardCharsets.US_ASCII), 0, 2);
        assertTrue(line[0]);
        assertEquals(0x01, bus.in(COM1 + 5, 1) & 0x01);
        assertEquals(0x04, bus.in(COM1 + 2, 1), "received data available");
        assertEquals('l', bus.in(COM1, 1));
        assertEquals('s', bus.in(COM1, 1));
        assertEquals(0, bus.in(COM1 + 5, 1) & 0x01);
        assertFalse(line[0]);
    }

    @Test
    void out2_gates_the_interrupt_line_as_on_a_pc() {
        bus.out(COM1 + 1, 1, 0x01);
        uart.receive(new byte[] {'x'}, 0, 1);
        assertEquals(0x04, bus.in(COM1 + 2, 1) & 0x0f, "pending inside the UART");
        assertFalse(line[0], "but not on the line without OUT2");
        bus.out(COM1 + 4, 1, 0x08);
        assertTrue(line[0]);
    }

    @Test
    void enabling_the_transmit_interrupt_raises_it_and_reading_iir_clears_it() {
        bus.out(COM1 + 4, 1, 0x08);
        bus.out(COM1 + 1, 1, 0x02);
        assertTrue(line[0]);
        assertEquals(0x02, bus.in(COM1 + 2, 1));
        assertFalse(line[0]);
        assertEquals(0x01, bus.in(COM1 + 2, 1));
        bus.out(COM1, 1, 'a');
        assertTrue(line[0], "the byte left at once, so THR is empty again");
        assertEquals(2, edges);
    }

    @Test
    void enabling_the_fifo_identifies_a_16550a() {
        bus.out(COM1 + 2, 1, 0x07);
        assertEquals(0xc1, bus.in(COM1 + 2, 1));
        bus.out(COM1 + 2, 1, 0x00);
        assertEquals(0x01, bus.in(COM1 + 2, 1));
    }

    @Test
    void loopback_returns_transmitted_bytes_and_mirrors_modem_control() {
        bus.out(COM1 + 4, 1, 0x1f); // loop, OUT2, OUT1, RTS, DTR
        assertEquals(0xf0, bus.in(COM1 + 6, 1));
        bus.out(COM1 + 4, 1, 0x10 | 0x0a); // loop, OUT2, RTS
        assertEquals(0x90, bus.in(COM1 + 6, 1), "DCD and CTS, as Linux's 8250 probe expects");
        bus.out(COM1, 1, 0x55);
        assertEquals(0x55, bus.in(COM1, 1));
        assertEquals(0, console.size());
        bus.out(COM1 + 4, 1, 0x00);
        assertEquals(0xb0, bus.in(COM1 + 6, 1), "a terminal is attached");
    }

    @Test
    void a_full_receive_buffer_pushes_back_instead_of_dropping() {
        byte[] data = new byte[Uart16550.RECEIVE_BUFFER + 10];
        assertEquals(Uart16550.RECEIVE_BUFFER, uart.receive(data, 0, data.length));
        assertEquals(0, uart.receive(data, 0, 1));
        bus.in(COM1, 1);
        assertEquals(1, uart.receive(data, 0, 1));
    }
}
