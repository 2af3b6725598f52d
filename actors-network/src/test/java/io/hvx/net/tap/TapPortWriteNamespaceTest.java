package io.hvx.net.tap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.net.frame.EthernetFrame;
import io.hvx.net.frame.MacAddress;
import io.hvx.net.frame.Offload;
import io.hvx.net.linux.LibC;
import io.hvx.net.logical.Ipv4;
import io.hvx.net.metrics.Counter;
import io.hvx.net.metrics.Counters;
import io.hvx.net.switching.HeadroomBuffer;
import io.hvx.net.testing.Frames;
import io.hvx.net.testing.Netns;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A TAP port writes frames the kernel takes whatever memory they lie in: from a {@link HeadroomBuffer} it
 * puts its virtio-net header into the scratch bytes in front of the frame and writes both from the heap
 * in one call (so twice in a row, as a flood does, on the same buffer); from other heap or native buffers it
 * copies. Each frame is an ARP request for the namespace's address: the namespace's answer, read back from
 * the TAP, shows that the kernel parsed the frame as sent. Writing from the heap allocates nothing.
 */
class TapPortWriteNamespaceTest {
  private static final int NET = 1;
  @Test
  void writing_from_a_headroom_buffer_allocates_nothing_per_frame() throws Exception {
    String reason = Netns.unavailableReason("ip");
    Assumptions.assumeTrue(reason == null, () -> "skipping TAP write namespace test: " + reason);
    var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported(), "this JVM cannot measure thread allocation");
    String suffix = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    Counters counters = new Counters();
    try (Netns netns = new Netns(); TapPort port = new TapPort(TapDevice.open("hvxa" + suffix, true), counters)) {
      netns.configure(netns.add("hvxA" + suffix), port.device().name(), "10.233.251.1/24");
      // For another host's MAC: the kernel drops it at once, so the loop measures the write alone.
      UnsafeBuffer frame = Frames.frame("02:00:00:00:00:99", "02:00:00:00:00:98", 1);
      HeadroomBuffer buffer = headroom(frame);
      UnsafeBuffer direct = nativeCopy(frame);
      int frames = 100_000;
      // Warmed up on all three kinds of buffer, as a node's port is, then measured on the headroom one.
      for (int i = 0; i < frames; i++) {
        port.transmit(NET, buffer, OFFSET, 60);
        port.transmit(NET, frame, 0, 60);
        port.transmit(NET, direct, 0, 60);
      }
      long before = threads.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < frames; i++) {
        port.transmit(NET, buffer, OFFSET, 60);
      }
      long allocated = threads.getCurrentThreadAllocatedBytes() - before;
      assertTrue(allocated < frames, allocated + " bytes allocated for " + frames + " frames");
      assertEquals(4L * frames, counters.get(Counter.TAP_TX_FRAMES));
    }
  }

  /** Where frames lie in the headroom buffer: behind 16 bytes of scratch, as the overlay hands them over. */
  private static final int OFFSET = 16;
  /** The same headroom buffer for both ports: the second write finds the first one's header in front. */
  private HeadroomBuffer shared;

  @Test
  void frames_from_headroom_heap_and_native_buffers_reach_the_namespace_intact() throws Exception {
    String reason = Netns.unavailableReason("ip");
    Assumptions.assumeTrue(reason == null, () -> "skipping TAP write namespace test: " + reason);
    String suffix = HexFormat.of().toHexDigits((short) ThreadLocalRandom.current().nextInt());
    String subnet = "10.233." + ThreadLocalRandom.current().nextInt(1, 250);
    Counters counters = new Counters();
    try (Netns netns = new Netns(); Arena arena = Arena.ofConfined()) {
      TapPort[] ports = new TapPort[2];
      try {
        for (int i = 0; i < ports.length; i++) {
          ports[i] = new TapPort(TapDevice.open("hvxw" + i + suffix, true), counters);
          netns.configure(netns.add("hvxW" + i + suffix), ports[i].device().name(), subnet + "." + (i + 1) + "/24");
        }
        MemorySegment state = LibC.captureState(arena);
        MemorySegment readInto = arena.allocate(Offload.VIRTIO_HEADER_LENGTH + Offload.MAX_FRAME_LENGTH);
        int kind = 0;
        for (String name : new String[] {"headroom", "heap", "native"}) {
          kind++;
          String mac = "02:00:00:00:0" + kind + ":01";
          for (int i = 0; i < ports.length; i++) {
            int target = Ipv4.parse(subnet + "." + (i + 1), "address");
            UnsafeBuffer request = Frames.arpRequest(mac, Ipv4.parse(subnet + ".200", "address"), target);
            DirectBuffer buffer = switch (name) {
              case "headroom" -> headroom(request);
              case "heap" -> new UnsafeBuffer(Arrays.copyOf(request.byteArray(), request.capacity()));
              default -> nativeCopy(request);
            };
            int offset = "headroom".equals(name) ? OFFSET : 0;
            assertTrue(ports[i].transmit(NET, buffer, offset, request.capacity()));
            assertTrue(answered(ports[i].device(), state, readInto, MacAddress.parse(mac)),
                "port " + i + " answered the ARP request written from a " + name + " buffer");
          }
        }
        assertEquals(6, counters.get(Counter.TAP_TX_FRAMES));
        assertEquals(0, counters.get(Counter.TAP_TX_DROPS));
      } finally {
        for (TapPort port : ports) {
          if (port != null) {
            port.close();
          }
        }
      }
    }
  }

  private HeadroomBuffer headroom(UnsafeBuffer frame) {
    if (shared == null) {
      shared = new HeadroomBuffer(256);
    }
    shared.setMemory(0, OFFSET, (byte) 0xA5);
    shared.putBytes(OFFSET, frame, 0, frame.capacity());
    return shared;
  }

  private static UnsafeBuffer nativeCopy(UnsafeBuffer frame) {
    UnsafeBuffer copy = new UnsafeBuffer(ByteBuffer.allocateDirect(frame.capacity()));
    copy.putBytes(0, frame, 0, frame.capacity());
    return copy;
  }

  /** Reads the TAP for up to two seconds for an ARP reply to {@code mac}. */
  private static boolean answered(TapDevice device, MemorySegment state, MemorySegment into, long mac)
      throws InterruptedException {
    UnsafeBuffer read = new UnsafeBuffer(into.address(), (int) into.byteSize());
    EthernetFrame frame = new EthernetFrame();
    long deadline = System.nanoTime() + 2_000_000_000L;
    while (System.nanoTime() < deadline) {
      long n = device.read(state, into);
      if (n <= 0) {
        Thread.sleep(5);
        continue;
      }
      int header = Offload.VIRTIO_HEADER_LENGTH;
      frame.wrap(read, header, (int) n - header);
      if (frame.etherType() == EthernetFrame.ETHER_TYPE_ARP && frame.destination() == mac) {
        return true;
      }
    }
    return false;
  }
}
