package io.hvx.devices.virtio;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.hvx.devices.memory.GuestRam;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Random split rings, as a hostile or broken guest driver may write them: the device side takes a chain
 * or refuses the queue, never throws, and never hands out a buffer that lies outside guest RAM.
 */
class VirtqueueFuzzTest {
    private static final int ROUNDS = 30_000;
    private static final long INDIRECT = TestRing.BUFFERS + 0x8000;

    private final GuestRam ram = GuestRam.allocate(GuestRam.MIN_SIZE);
    private final Random random = new Random(20261124L);

    @AfterEach
    void close() {
        ram.close();
    }

    private long address() {
        return switch (random.nextInt(7)) {
            case 0 -> TestRing.BUFFERS + random.nextInt(0x10000);
            case 1 -> ram.size() - random.nextInt(64);
            case 2 -> 0xd000_0000L + random.nextInt(0x1000);
            case 3 -> random.nextLong();
            case 4 -> TestRing.DESCRIPTORS + 16L * random.nextInt(4);
            case 5 -> INDIRECT;
            default -> 0;
        };
    }

    private int length() {
        return switch (random.nextInt(5)) {
            case 0 -> random.nextInt(8192);
            case 1 -> 0;
            case 2 -> 0x8000_0000 | random.nextInt();
            case 3 -> 16 * (1 + random.nextInt(20));
            default -> random.nextInt();
        };
    }

    @Test
    void random_rings_are_taken_or_refused_and_taken_buffers_lie_in_guest_ram() {
        VirtioCounters counters = new VirtioCounters();
        DescriptorChain chain = new DescriptorChain(ram.segment());
        long mapping = ram.segment().byteSize();
        int taken = 0;
        int refused = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment scratch = arena.allocate(64);
            for (int round = 0; round < ROUNDS; round++) {
                TestRing ring = new TestRing(ram);
                Virtqueue queue = ring.install(new Virtqueue(ram, counters), random.nextBoolean());
                for (int i = 0; i < TestRing.SIZE; i++) {
                    ring.descriptor(i, address(), length(), random.nextInt(8), random.nextInt(16));
                }
                for (int i = 0; i < 16; i++) {
                    ring.descriptorAt(INDIRECT, i, address(), length(), random.nextInt(8), random.nextInt(20));
                }
                for (int offers = 1 + random.nextInt(4); offers > 0; offers--) {
                    ring.offer(random.nextInt(TestRing.SIZE + 2));
                }
                if (random.nextInt(10) == 0) {
                    ring.availIndex(random.nextInt(0x10000));
                }
                try {
                    for (int pops = 0; pops < 6; pops++) {
                        int outcome = queue.pop(chain);
                        if (outcome == Virtqueue.EMPTY) {
                            break;
                        }
                        if (outcome == Virtqueue.MALFORMED) {
                            refused++;
                            break;
                        }
                        taken++;
                        for (int b = 0; b < chain.buffers(); b++) {
                            long offset = chain.offset(b);
                            int length = chain.length(b);
                            assertTrue(offset >= 0 && length >= 0 && offset + length <= mapping,
                                "round " + round + ": buffer " + b + " at " + offset + " of " + length + " bytes");
                        }
                        if (chain.readableBytes() > 0) {
                            chain.readInto(0, scratch, 0, (int) Math.min(64, chain.readableBytes()));
                        }
                        queue.push(chain.head(), 0);
                    }
                } catch (RuntimeException e) {
                    fail("round " + round + ": " + e, e);
                }
            }
        }
        // Both outcomes occur, so the rings were neither all valid nor all refused at the first check.
        assertTrue(taken > 1000 && refused > 1000, "taken " + taken + ", refused " + refused);
    }
}
