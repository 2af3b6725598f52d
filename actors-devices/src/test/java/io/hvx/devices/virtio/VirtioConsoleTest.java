package io.hvx.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hvx.devices.memory.GuestRam;
import io.hvx.devices.virtio.console.VirtioConsole;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Host input into the virtio console's receive queue: it takes only what the guest's buffers hold. */
class VirtioConsoleTest {
    private final GuestRam ram = GuestRam.allocate(GuestRam.MIN_SIZE);
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final VirtioConsole console = new VirtioConsole(ram, output::write, new VirtioCounters());
    private final VirtioMmio mmio = new VirtioMmio(console, asserted -> { }, ram);
    private final TestRing ring = new TestRing(ram);

    @AfterEach
    void close() {
        mmio.close();
        ram.close();
    }

    @Test
    void shouldTakeInputOnlyWhileTheGuestHasReceiveBuffers() {
        byte[] input = "hello, guest".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0, console.receive(input, 0, input.length), "before the driver is ready");
        new TestDriver(mmio).start(0);
        assertEquals(0, console.receive(input, 0, input.length), "no receive buffers yet");
        ring.descriptor(0, TestRing.BUFFERS, 5, Virtqueue.DESC_F_WRITE, 0);
        ring.offer(0);
        assertEquals(5, console.receive(input, 0, input.length), "one 5-byte buffer");
        assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), ram.read(TestRing.BUFFERS, 5));
        assertEquals(5, ring.usedLength(0));
    }
}
