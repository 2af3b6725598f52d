package io.hvx.net.switching;

import static io.hvx.net.testing.Frames.frame;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.net.metrics.Counter;
import io.hvx.net.metrics.Counters;
import io.hvx.net.testing.RecordingSink;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class L2SwitchTest {
  private static final long AGE = 1_000_000_000L;
  private static final int NET = 7;
  private static final int OTHER_NET = 8;
  private static final String A = "02:00:00:00:00:0a";
  private static final String B = "02:00:00:00:00:0b";
  private static final String C = "02:00:00:00:00:0c";
  private static final String BROADCAST = "ff:ff:ff:ff:ff:ff";

  private final Counters counters = new Counters();
  private final L2Switch core = new L2Switch(new MacTable(64, AGE), counters);
  private final RecordingSink port1 = new RecordingSink();
  private final RecordingSink port2 = new RecordingSink();
  private final RecordingSink port3 = new RecordingSink();
  private final RecordingSink otherNet = new RecordingSink();
  private final RecordingSink tunnel1 = new RecordingSink();
  private final RecordingSink tunnel2 = new RecordingSink();

  L2SwitchTest() {
    core.addPort(VPort.local(1, NET, port1));
    core.addPort(VPort.local(2, NET, port2));
    core.addPort(VPort.local(3, NET, port3));
    core.addPort(VPort.local(4, OTHER_NET, otherNet));
    core.addPort(VPort.tunnel(600, tunnel1));
    core.addPort(VPort.tunnel(601, tunnel2));
  }

  private void send(int port, int network, UnsafeBuffer frame, long now) {
    core.onFrame(port, network, frame, 0, frame.capacity(), now);
  }

  @Test
  void broadcast_is_flooded_to_every_port_of_its_network_and_every_tunnel_but_not_back() {
    send(1, NET, frame(BROADCAST, A, 1), 0);
    assertEquals(0, port1.sent().size());
    assertEquals(1, port2.sent().size());
    assertEquals(1, port3.sent().size());
    assertEquals(0, otherNet.sent().size(), "another network is another broadcast domain");
    assertEquals(1, tunnel1.sent().size());
    assertEquals(NET, tunnel1.sent().get(0).networkId());
    assertEquals(1, tunnel2.sent().size());
    assertEquals(1, counters.get(Counter.SWITCH_FLOODED_FRAMES));
  }

  @Test
  void unicast_to_a_learned_mac_goes_only_to_its_port() {
    send(2, NET, frame(BROADCAST, B, 1), 0);
    send(1, NET, frame(B, A, 2), 1);
    assertEquals(1, port2.sent().size());
    assertEquals(2, port2.sent().get(0).marker());
    assertEquals(0, port3.sent().stream().filter(s -> s.marker() == 2).count());
    assertEquals(1, tunnel1.sent().size(), "only the broadcast reached the tunnel");
    assertEquals(1, counters.get(Counter.SWITCH_UNICAST_FRAMES));
  }

  @Test
  void unknown_unicast_and_multicast_are_flooded() {
    send(1, NET, frame(C, A, 1), 0);
    send(1, NET, frame("01:00:5e:00:00:01", A, 2), 0);
    assertEquals(2, port2.sent().size());
    assertEquals(2, port3.sent().size());
    assertEquals(2, counters.get(Counter.SWITCH_FLOODED_FRAMES));
  }

  @Test
  void a_learned_entry_ages_out_and_the_destination_is_flooded_again() {
    send(2, NET, frame(BROADCAST, B, 1), 0);
    send(1, NET, frame(B, A, 2), AGE - 1);
    assertEquals(1, port3.sent().size(), "only the first broadcast reached port 3");
    send(1, NET, frame(B, A, 3), AGE + AGE);
    assertEquals(2, port3.sent().size(), "after aging, B is unknown and the frame floods");
  }

  @Test
  void a_mac_that_moves_is_relearned_on_its_new_port() {
    send(2, NET, frame(BROADCAST, B, 1), 0);
    send(3, NET, frame(BROADCAST, B, 2), 1);
    send(1, NET, frame(B, A, 3), 2);
    assertEquals(1, port3.sent().stream().filter(s -> s.marker() == 3).count());
    assertEquals(0, port2.sent().stream().filter(s -> s.marker() == 3).count());
  }

  @Test
  void macs_are_learned_per_network_so_identical_macs_in_two_networks_do_not_mix() {
    send(2, NET, frame(BROADCAST, B, 1), 0);
    send(4, OTHER_NET, frame(BROADCAST, B, 2), 0);
    send(1, NET, frame(B, A, 3), 1);
    assertEquals(3, port2.sent().get(port2.sent().size() - 1).marker());
    assertEquals(0, otherNet.sent().stream().filter(s -> s.marker() == 3).count());
  }

  @Test
  void frames_from_a_tunnel_reach_local_ports_only_never_another_tunnel() {
    send(600, NET, frame(BROADCAST, C, 1), 0);
    assertEquals(1, port1.sent().size());
    assertEquals(0, tunnel2.sent().size());
    assertEquals(0, tunnel1.sent().size());
  }

  @Test
  void runt_oversized_and_group_source_frames_are_dropped_and_counted() {
    UnsafeBuffer runt = new UnsafeBuffer(new byte[13]);
    core.onFrame(1, NET, runt, 0, 13, 0);
    UnsafeBuffer huge = new UnsafeBuffer(new byte[1515]);
    frame(BROADCAST, A, 1).getBytes(0, huge, 0, 60);
    core.onFrame(1, NET, huge, 0, 1515, 0);
    send(1, NET, frame(BROADCAST, "01:00:00:00:00:01", 1), 0);
    assertEquals(1, counters.get(Counter.SWITCH_RUNT_FRAMES));
    assertEquals(1, counters.get(Counter.SWITCH_OVERSIZED_FRAMES));
    assertEquals(1, counters.get(Counter.SWITCH_MULTICAST_SOURCE_FRAMES));
    assertEquals(0, port2.sent().size());
  }

  @Test
  void a_frame_to_a_mac_learned_on_its_own_ingress_port_is_dropped_as_hairpin() {
    send(1, NET, frame(BROADCAST, B, 1), 0);
    send(1, NET, frame(B, A, 2), 1);
    assertEquals(1, counters.get(Counter.SWITCH_HAIRPIN_FRAMES));
    assertEquals(1, port2.sent().size());
  }

  @Test
  void a_tunnel_frame_for_a_network_without_local_ports_is_dropped_and_counted() {
    send(600, 99, frame(BROADCAST, C, 1), 0);
    assertEquals(1, counters.get(Counter.SWITCH_UNKNOWN_NETWORK_FRAMES));
  }

  @Test
  void a_port_that_refuses_a_frame_is_counted_as_a_tx_drop() {
    port2.refuse();
    send(1, NET, frame(BROADCAST, A, 1), 0);
    assertEquals(1, counters.get(Counter.SWITCH_PORT_TX_DROPS));
    assertEquals(1, port3.sent().size());
  }

  @Test
  void a_broadcast_storm_from_one_port_is_rate_limited_and_other_ports_keep_flooding() {
    L2Switch limited = new L2Switch(new MacTable(64, AGE), counters, 100);
    RecordingSink victim = new RecordingSink();
    limited.addPort(VPort.local(1, NET, port1));
    limited.addPort(VPort.local(2, NET, port2));
    limited.addPort(VPort.local(3, NET, victim));
    UnsafeBuffer storm = frame(BROADCAST, A, 1);
    for (int i = 0; i < 1000; i++) {
      limited.onFrame(1, NET, storm, 0, storm.capacity(), i * 1000L); // 1000 frames within 1 ms
    }
    assertEquals(100, counters.get(Counter.SWITCH_FLOODED_FRAMES), "the burst allowance of 100 frames");
    assertEquals(900, counters.get(Counter.SWITCH_FLOOD_RATE_LIMITED_FRAMES));

    UnsafeBuffer fromOther = frame(BROADCAST, B, 2);
    limited.onFrame(2, NET, fromOther, 0, fromOther.capacity(), 1_000_000L);
    assertEquals(2, victim.sent().get(victim.sent().size() - 1).marker(), "port 2 still floods");

    limited.onFrame(1, NET, storm, 0, storm.capacity(), 1_000_000L + 20_000_000L);
    assertEquals(102, counters.get(Counter.SWITCH_FLOODED_FRAMES), "port 2's frame, then one more from port 1, which earned credit in 20 ms");
  }

  @Test
  void removing_a_port_forgets_its_macs() {
    send(2, NET, frame(BROADCAST, B, 1), 0);
    core.removePort(2);
    send(1, NET, frame(B, A, 2), 1);
    assertEquals(1, counters.get(Counter.SWITCH_FLOODED_FRAMES) - 1);
    assertTrue(port3.sent().stream().anyMatch(s -> s.marker() == 2));
  }

  @Test
  void a_gso_frame_goes_whole_to_a_learned_port_that_takes_offloads_and_is_refused_elsewhere() {
    long offload = 0x0022_0022_05A8_0101L;
    long[] received = new long[2];
    FrameSink offloading = new FrameSink() {
      @Override
      public boolean transmit(int networkId, DirectBuffer buffer, int offset, int length) {
        return true;
      }

      @Override
      public boolean transmitOffloaded(int networkId, DirectBuffer buffer, int offset, int length,
          long frameOffload) {
        received[0] = length;
        received[1] = frameOffload;
        return true;
      }
    };
    core.addPort(VPort.local(5, NET, offloading));
    UnsafeBuffer big = new UnsafeBuffer(new byte[20_000]);
    send(5, NET, frame(BROADCAST, C, 1), 0);
    send(2, NET, frame(BROADCAST, B, 1), 0);

    core.onFrame(2, NET, swap(big, C, B), 0, big.capacity(), 1, offload);
    assertEquals(20_000, received[0], "the whole GSO frame reached the port");
    assertEquals(offload, received[1], "with its offload");

    core.onFrame(5, NET, swap(big, B, C), 0, big.capacity(), 2, offload);
    assertEquals(1, counters.get(Counter.SWITCH_PORT_TX_DROPS), "a port that cannot segment refuses it");

    core.onFrame(5, NET, swap(big, "02:00:00:00:00:0d", C), 0, big.capacity(), 3, offload);
    assertEquals(1, counters.get(Counter.SWITCH_OFFLOAD_UNROUTABLE_FRAMES), "a GSO frame is never flooded");
    assertEquals(2, port3.sent().size(), "port 3 saw only the two broadcasts");
  }

  @Test
  void a_frame_over_1514_bytes_without_offload_is_counted_oversized() {
    core.onFrame(1, NET, new UnsafeBuffer(new byte[1515]), 0, 1515, 0);
    assertEquals(1, counters.get(Counter.SWITCH_OVERSIZED_FRAMES));
  }

  private static UnsafeBuffer swap(UnsafeBuffer big, String destination, String source) {
    big.putBytes(0, frame(destination, source, 1), 0, 12);
    return big;
  }
}
