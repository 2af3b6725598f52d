package io.hvx.net.frame;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

class FrameFlyweightTest {
  // An ARP request as Linux sends it ("who-has 10.0.0.2 tell 10.0.0.1"), bytes as tcpdump -xx shows them.
  private static final byte[] ARP_REQUEST = HexFormat.of().parseHex(
      "ffffffffffff" + "020000000001" + "0806"
          + "0001" + "0800" + "06" + "04" + "0001"
          + "020000000001" + "0a000001" + "000000000000" + "0a000002");

  @Test
  void ethernet_fields_are_read_in_network_byte_order() {
    EthernetFrame frame = new EthernetFrame().wrap(new UnsafeBuffer(ARP_REQUEST), 0, ARP_REQUEST.length);
    assertEquals(MacAddress.BROADCAST, frame.destination());
    assertEquals(MacAddress.parse("02:00:00:00:00:01"), frame.source());
    assertEquals(EthernetFrame.ETHER_TYPE_ARP, frame.etherType());
    assertEquals(28, frame.payloadLength());
  }

  @Test
  void arp_request_fields_are_decoded_and_rewritten_identically() {
    UnsafeBuffer buffer = new UnsafeBuffer(ARP_REQUEST.clone());
    ArpPacket arp = new ArpPacket().wrap(buffer, EthernetFrame.PAYLOAD_OFFSET, ArpPacket.LENGTH);
    assertTrue(arp.isEthernetIpv4());
    assertEquals(ArpPacket.OPERATION_REQUEST, arp.operation());
    assertEquals(Ipv4Packet.parseAddress("10.0.0.1"), arp.senderProtocol());
    assertEquals(Ipv4Packet.parseAddress("10.0.0.2"), arp.targetProtocol());

    UnsafeBuffer rebuilt = new UnsafeBuffer(new byte[ARP_REQUEST.length]);
    new EthernetFrame().wrap(rebuilt, 0, ARP_REQUEST.length)
        .destination(MacAddress.BROADCAST).source(arp.senderHardware()).etherType(EthernetFrame.ETHER_TYPE_ARP);
    new ArpPacket().wrap(rebuilt, EthernetFrame.PAYLOAD_OFFSET, ArpPacket.LENGTH)
        .write(arp.operation(), arp.senderHardware(), arp.senderProtocol(), arp.targetHardware(), arp.targetProtocol());
    assertEquals(HexFormat.of().formatHex(ARP_REQUEST), HexFormat.of().formatHex(rebuilt.byteArray()));
  }

  @Test
  void a_truncated_arp_packet_is_not_taken_for_ipv4_over_ethernet() {
    ArpPacket arp = new ArpPacket().wrap(new UnsafeBuffer(ARP_REQUEST), EthernetFrame.PAYLOAD_OFFSET, 27);
    assertFalse(arp.isEthernetIpv4());
  }

  @Test
  void ipv4_header_checksum_matches_a_known_header() {
    // RFC 1071-style example header: 45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7
    byte[] header = HexFormat.of().parseHex("450000730000400040 11b861c0a80001c0a800c7".replace(" ", ""));
    byte[] packet = java.util.Arrays.copyOf(header, 0x73);
    Ipv4Packet ip = new Ipv4Packet().wrap(new UnsafeBuffer(packet), 0, packet.length);
    assertTrue(ip.isWellFormed());
    assertEquals(0, ip.computeChecksum());
    assertEquals(Ipv4Packet.PROTOCOL_UDP, ip.protocol());
    assertEquals(Ipv4Packet.parseAddress("192.168.0.199"), ip.destination());

    UnsafeBuffer written = new UnsafeBuffer(new byte[20]);
    new Ipv4Packet().wrap(written, 0, 20).writeHeader(0x73, 64, 17, ip.source(), ip.destination());
    // Same header without the DF flag (0x4000) that writeHeader does not set: b861 + 4000.
    assertEquals(0xf861, new Ipv4Packet().wrap(written, 0, 20).checksum());
  }

  @Test
  void ipv4_with_total_length_beyond_the_frame_is_malformed() {
    UnsafeBuffer buffer = new UnsafeBuffer(new byte[20]);
    new Ipv4Packet().wrap(buffer, 0, 20).writeHeader(40, 64, 1, 1, 2);
    assertFalse(new Ipv4Packet().wrap(buffer, 0, 20).isWellFormed());
  }

  @Test
  void gre_header_carries_the_network_id_as_key() {
    UnsafeBuffer buffer = new UnsafeBuffer(new byte[8]);
    new GreHeader().wrap(buffer, 0).writeKeyedEthernet(0xCAFE);
    assertEquals("200065580000cafe", HexFormat.of().formatHex(buffer.byteArray()));
    GreHeader gre = new GreHeader().wrap(buffer, 0);
    assertTrue(gre.isKeyedEthernet());
    assertEquals(0xCAFE, gre.key());
  }

  @Test
  void mac_addresses_round_trip_and_group_bit_is_detected() {
    assertEquals("02:00:00:00:00:0a", MacAddress.format(MacAddress.parse("02:00:00:00:00:0a")));
    assertTrue(MacAddress.isGroup(MacAddress.parse("01:00:5e:00:00:01")));
    assertTrue(MacAddress.isGroup(MacAddress.BROADCAST));
    assertFalse(MacAddress.isGroup(MacAddress.parse("02:00:00:00:00:0a")));
  }
}
