package io.hvx.net.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.net.frame.EthernetFrame;
import io.hvx.net.frame.Ipv4Packet;
import io.hvx.net.frame.MacAddress;
import io.hvx.net.logical.Ipv4;
import io.hvx.net.logical.NetworkDefinition;
import io.hvx.net.metrics.Counter;
import io.hvx.net.metrics.Counters;
import io.hvx.net.switching.L2Switch;
import io.hvx.net.switching.MacTable;
import io.hvx.net.switching.VPort;
import io.hvx.net.testing.Frames;
import io.hvx.net.testing.RecordingSink;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * DNS queries at the gateway, sent through the switch as a host's frames: reverse lookups, and random
 * or malformed queries, each of which is answered or counted. Replies are read back with this test's own
 * decoder (RFC 1035 4.1), not the server's.
 */
class DnsQueriesTest {
  private static final NetworkDefinition NET = NetworkDefinition.create("blue", 0, "")
      .withSubnet("10.0.1.0/24", "", "10.0.1.100", "10.0.1.199")
      .withReservation("02:00:00:00:00:55", "10.0.1.55", "fixed")
      .withRecord("db", "10.0.1.10");
  private static final int HOST = Ipv4.parse("10.0.1.7", "");
  private static final int GATEWAY = Ipv4.parse("10.0.1.1", "");
  private static final int TYPE_A = 1;
  private static final int TYPE_PTR = 12;
  private static final int TYPE_AAAA = 28;

  private final Counters counters = new Counters();
  private final L2Switch core = new L2Switch(new MacTable(1024, Long.MAX_VALUE), counters);
  private final RecordingSink host = new RecordingSink();

  DnsQueriesTest() {
    core.services(new NetworkServices(counters, core, null));
    core.services().define(NetworkTable.of(NET));
    core.addPort(VPort.local(1, NET.id(), host));
  }

  /** The DNS message of a query for {@code name} of {@code type}, class IN, recursion desired. */
  private static byte[] query(int id, String name, int type) {
    ByteArrayOutputStream dns = new ByteArrayOutputStream();
    dns.writeBytes(new byte[] {(byte) (id >> 8), (byte) id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0});
    for (String label : name.split("\\.")) {
      dns.write(label.length());
      dns.writeBytes(label.getBytes(StandardCharsets.US_ASCII));
    }
    dns.writeBytes(new byte[] {0, (byte) (type >> 8), (byte) type, 0, 1});
    return dns.toByteArray();
  }

  /** The frame that carries {@code dns} from the host's port 40000 to the gateway's port 53. */
  private static UnsafeBuffer queryFrame(byte[] dns) {
    return Frames.udp(MacAddress.parse("02:00:00:00:00:0a"), NetworkServices.ROUTER_MAC, HOST, GATEWAY, 40000, 53,
        dns);
  }

  /** Sends {@code dns} from the host to the gateway's port 53; returns the reply's DNS message, or null for none. */
  private byte[] ask(byte[] dns) {
    UnsafeBuffer frame = queryFrame(dns);
    int udp = EthernetFrame.PAYLOAD_OFFSET + Ipv4Packet.MIN_HEADER_LENGTH;
    int before = host.sent().size();
    core.onFrame(1, NET.id(), frame, 0, frame.capacity(), 1);
    if (host.sent().size() == before) {
      return null;
    }
    byte[] reply = host.sent().get(before).bytes();
    UnsafeBuffer in = new UnsafeBuffer(reply);
    assertEquals(GATEWAY, in.getInt(EthernetFrame.PAYLOAD_OFFSET + 12, ByteOrder.BIG_ENDIAN), "reply's source");
    assertEquals(53, in.getShort(udp, ByteOrder.BIG_ENDIAN) & 0xFFFF, "reply's source port");
    assertEquals(40000, in.getShort(udp + 2, ByteOrder.BIG_ENDIAN) & 0xFFFF, "reply's destination port");
    int udpLength = in.getShort(udp + 4, ByteOrder.BIG_ENDIAN) & 0xFFFF;
    assertEquals(reply.length - udp, udpLength, "UDP length against the frame");
    byte[] message = new byte[udpLength - 8];
    in.getBytes(udp + 8, message);
    return message;
  }

  /** A reply's rcode, answer count and, when it has one answer, its type and data as text (name or address). */
  private record Reply(int rcode, int answers, int type, String data) {
    static Reply parse(byte[] m) {
      int rcode = m[3] & 0x0F;
      int questions = ((m[4] & 0xFF) << 8) | (m[5] & 0xFF);
      int answers = ((m[6] & 0xFF) << 8) | (m[7] & 0xFF);
      int p = 12;
      for (int q = 0; q < questions; q++) {
        p = skipName(m, p) + 4;
      }
      if (answers != 1) {
        return new Reply(rcode, answers, 0, null);
      }
      p = skipName(m, p);
      int type = ((m[p] & 0xFF) << 8) | (m[p + 1] & 0xFF);
      int rdLength = ((m[p + 8] & 0xFF) << 8) | (m[p + 9] & 0xFF);
      int rdata = p + 10;
      assertEquals(m.length, rdata + rdLength, "the answer ends the message");
      String data = type == TYPE_A ? Ipv4.format(((m[rdata] & 0xFF) << 24) | ((m[rdata + 1] & 0xFF) << 16)
          | ((m[rdata + 2] & 0xFF) << 8) | (m[rdata + 3] & 0xFF)) : readName(m, rdata);
      return new Reply(rcode, answers, type, data);
    }

    private static int skipName(byte[] m, int p) {
      while (true) {
        int label = m[p] & 0xFF;
        if (label == 0) {
          return p + 1;
        }
        if ((label & 0xC0) == 0xC0) {
          return p + 2;
        }
        p += 1 + label;
      }
    }

    private static String readName(byte[] m, int p) {
      StringBuilder name = new StringBuilder();
      for (int label = m[p] & 0xFF; label != 0; label = m[p] & 0xFF) {
        name.append(name.isEmpty() ? "" : ".").append(new String(m, p + 1, label, StandardCharsets.US_ASCII));
        p += 1 + label;
      }
      return name.toString();
    }
  }

  @Test
  void a_reverse_lookup_names_a_record_a_reservation_or_a_lease_under_the_domain() {
    // A lease granted by another node, as replication installs it.
    core.services().applyLease(NET.id(), 0x0200_0000_0077L, Ipv4.parse("10.0.1.120", ""), "Web-1",
        LeaseListener.FOREVER);
    assertEquals(new Reply(0, 1, TYPE_PTR, "db.blue.hvx"),
        Reply.parse(ask(query(1, "10.1.0.10.in-addr.arpa", TYPE_PTR))));
    assertEquals(new Reply(0, 1, TYPE_PTR, "fixed.blue.hvx"),
        Reply.parse(ask(query(2, "55.1.0.10.IN-ADDR.ARPA", TYPE_PTR))));
    assertEquals(new Reply(0, 1, TYPE_PTR, "web-1.blue.hvx"),
        Reply.parse(ask(query(3, "120.1.0.10.in-addr.arpa", TYPE_PTR))));
    // The forward lookup of what the reverse one gave closes the loop.
    assertEquals(new Reply(0, 1, TYPE_A, "10.0.1.120"), Reply.parse(ask(query(4, "web-1.blue.hvx", TYPE_A))));
  }

  @Test
  void an_address_without_a_name_or_a_name_that_is_no_address_is_nxdomain() {
    long before = counters.get(Counter.DNS_NXDOMAIN);
    for (String name : new String[] {"11.1.0.10.in-addr.arpa", "1.0.10.in-addr.arpa", "256.1.0.10.in-addr.arpa",
        "x.1.0.10.in-addr.arpa", "10.10.1.0.10.in-addr.arpa", "0010.1.0.10.in-addr.arpa", "in-addr.arpa"}) {
      assertEquals(new Reply(3, 0, 0, null), Reply.parse(ask(query(5, name, TYPE_PTR))), name);
    }
    assertEquals(7, counters.get(Counter.DNS_NXDOMAIN) - before);
  }

  @Test
  void a_known_address_asked_for_another_type_has_no_answer_but_exists() {
    assertEquals(new Reply(0, 0, 0, null), Reply.parse(ask(query(6, "10.1.0.10.in-addr.arpa", TYPE_AAAA))));
    assertEquals(new Reply(0, 0, 0, null), Reply.parse(ask(query(7, "db", TYPE_PTR))));
  }

  @Test
  void random_and_malformed_queries_are_each_answered_or_counted_and_never_break_the_switch() {
    Random random = new Random(20261124);
    String[] names = {"db", "fixed.blue.hvx", "10.1.0.10.in-addr.arpa", "55.1.0.10.in-addr.arpa", "nobody"};
    int queries = 20_000;
    int replies = 0;
    long countedBefore = dnsCounted();
    for (int i = 0; i < queries; i++) {
      byte[] dns;
      if (random.nextBoolean()) {
        dns = new byte[random.nextInt(300)];
        random.nextBytes(dns);
      } else {
        // A well-formed query with some of its bytes flipped.
        dns = query(i, names[random.nextInt(names.length)], random.nextBoolean() ? TYPE_A : TYPE_PTR);
        for (int flips = random.nextInt(4); flips > 0; flips--) {
          dns[random.nextInt(dns.length)] = (byte) random.nextInt(256);
        }
      }
      byte[] reply = ask(dns);
      if (reply != null) {
        replies++;
        assertTrue(reply.length >= 12 && (reply[2] & 0x80) != 0, "a reply has a header with QR set");
      }
    }
    long counted = dnsCounted() - countedBefore;
    // Every query is counted once: answered, unknown or malformed (some malformed ones get no reply).
    assertEquals(queries, counted, counters.snapshot().toString());
    assertTrue(replies > queries / 4, "replies: " + replies);
    assertEquals(new Reply(0, 1, TYPE_PTR, "db.blue.hvx"),
        Reply.parse(ask(query(8, "10.1.0.10.in-addr.arpa", TYPE_PTR))), "the switch still answers after the fuzzing");
  }

  @Test
  void a_reverse_lookup_allocates_nothing() {
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    Assumptions.assumeTrue(threads.isThreadAllocatedMemorySupported(), "this JVM cannot measure thread allocation");
    // A sink that keeps nothing, so that only the switch's own allocation is measured.
    L2Switch quiet = new L2Switch(new MacTable(1024, Long.MAX_VALUE), counters);
    quiet.services(new NetworkServices(counters, quiet, null));
    quiet.services().define(NetworkTable.of(NET));
    int[] replies = new int[1];
    quiet.addPort(VPort.local(1, NET.id(), (networkId, buffer, offset, length) -> {
      replies[0]++;
      return true;
    }));
    UnsafeBuffer frame = queryFrame(query(9, "55.1.0.10.in-addr.arpa", TYPE_PTR));
    for (int i = 0; i < 50_000; i++) {
      quiet.onFrame(1, NET.id(), frame, 0, frame.capacity(), i);
    }
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < 50_000; i++) {
      quiet.onFrame(1, NET.id(), frame, 0, frame.capacity(), i);
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertEquals(100_000, replies[0]);
    assertTrue(allocated < 64 * 1024, "allocated " + allocated + " bytes for 50000 reverse lookups");
  }

  private long dnsCounted() {
    return counters.get(Counter.DNS_ANSWERS) + counters.get(Counter.DNS_NXDOMAIN)
        + counters.get(Counter.DNS_MALFORMED_QUERIES);
  }
}
