package io.hvx.net.switching;

import static io.hvx.net.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.net.metrics.Counter;
import io.hvx.net.metrics.Counters;
import java.lang.management.ManagementFactory;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class SwitchAllocationTest {
  private static final int FRAMES = 200_000;

  @Test
  void switching_learned_unicast_and_flooded_frames_allocates_nothing_per_frame() {
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported(), "this JVM cannot measure thread allocation");
    RingSink sink1 = new RingSink(1 << 16);
    RingSink sink2 = new RingSink(1 << 16);
    Counters counters = new Counters();
    L2Switch core = new L2Switch(new MacTable(1024, Long.MAX_VALUE), counters, 1_000_000_000L);
    core.addPort(VPort.local(1, 1, sink1));
    core.addPort(VPort.local(2, 1, sink2));
    core.addPort(VPort.tunnel(600, (network, buffer, offset, length) -> true));
    UnsafeBuffer fromB = frame("ff:ff:ff:ff:ff:ff", "02:00:00:00:00:0b", 1);
    UnsafeBuffer toB = frame("02:00:00:00:00:0b", "02:00:00:00:00:0a", 2);
    org.agrona.concurrent.MessageHandler discard = (type, buffer, index, length) -> { };

    run(core, fromB, toB, sink1, sink2, discard); // warm up: JIT, MAC table entries
    long before = threads.getCurrentThreadAllocatedBytes();
    run(core, fromB, toB, sink1, sink2, discard);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    assertTrue(counters.get(Counter.SWITCH_FLOODED_FRAMES) >= 2L * FRAMES, "every broadcast was flooded");
    assertTrue(allocated < 64 * 1024, "allocated " + allocated + " bytes for " + 2 * FRAMES + " frames");
  }

  private static void run(L2Switch core, UnsafeBuffer flood, UnsafeBuffer unicast, RingSink sink1, RingSink sink2,
      org.agrona.concurrent.MessageHandler discard) {
    for (int i = 0; i < FRAMES; i++) {
      core.onFrame(2, 1, flood, 0, flood.capacity(), i);
      core.onFrame(1, 1, unicast, 0, unicast.capacity(), i);
      if ((i & 63) == 0) {
        sink1.drain(discard, Integer.MAX_VALUE);
        sink2.drain(discard, Integer.MAX_VALUE);
      }
    }
  }
}
