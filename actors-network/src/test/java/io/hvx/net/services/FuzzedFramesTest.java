package io.hvx.net.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.hvx.net.frame.ArpPacket;
import io.hvx.net.frame.EthernetFrame;
import io.hvx.net.frame.Ipv4Packet;
import io.hvx.net.frame.MacAddress;
import io.hvx.net.frame.Offload;
import io.hvx.net.logical.Ipv4;
import io.hvx.net.logical.NetworkDefinition;
import io.hvx.net.metrics.Counters;
import io.hvx.net.switching.L2Switch;
import io.hvx.net.switching.MacTable;
import io.hvx.net.switching.VPort;
import io.hvx.net.testing.Frames;
import io.hvx.net.testing.RecordingSink;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

/**
 * What hosts and guests send is outside input: mutated ARP, DHCP, DNS, ICMP and routed frames, with and
 * without a (guest-written) offload header, must each be switched, answered or dropped, never throw out of
 * the switch, which then still serves the network. A failure prints the frame that broke it.
 */
class FuzzedFramesTest {
  private static final NetworkDefinition NET = NetworkDefinition.create("blue", 0, "")
      .withSubnet("10.0.1.0/24", "", "10.0.1.100", "10.0.1.199")
      .withSubnet("10.0.2.0/24", "", "", "")
      .withRecord("db", "10.0.2.10");
  private static final String HOST_MAC = "02:00:00:00:00:0a";
  private static final int HOST = Ipv4.parse("10.0.1.7", "");
  private static final int GATEWAY = Ipv4.parse("10.0.1.1", "");
  private static final int OTHER_SUBNET_HOST = Ipv4.parse("10.0.2.10", "");
  private static final int ROUNDS = 200_000;

  private final Counters counters = new Counters();
  private final L2Switch core = new L2Switch(new MacTable(1024, Long.MAX_VALUE), counters, Long.MAX_VALUE);
  private final RecordingSink hostA = new RecordingSink();

  FuzzedFramesTest() {
    core.services(new NetworkServices(counters, core, null));
    core.services().define(NetworkTable.of(NET));
    core.addPort(VPort.local(1, NET.id(), hostA));
    // Sinks that take anything, offloaded frames too, and keep nothing.
    core.addPort(VPort.local(2, NET.id(), new Discard()));
    core.addPort(VPort.tunnel(600, new Discard()));
    UnsafeBuffer announce = Frames.arpRequest("02:00:00:00:00:0b", OTHER_SUBNET_HOST, Ipv4.parse("10.0.2.1", ""));
    core.onFrame(2, NET.id(), announce, 0, announce.capacity(), 1);
  }

  private static final class Discard implements io.hvx.net.switching.FrameSink {
    @Override
    public boolean transmit(int networkId, org.agrona.DirectBuffer buffer, int offset, int length) {
      return true;
    }

    @Override
    public boolean transmitOffloaded(int networkId, org.agrona.DirectBuffer buffer, int offset, int length,
        long offload) {
      return true;
    }
  }

  /** Well-formed frames of every kind the services parse, to be mutated. */
  private static List<byte[]> templates() {
    return List.of(
        bytes(Frames.arpRequest(HOST_MAC, HOST, GATEWAY)),
        bytes(Frames.arpRequest(HOST_MAC, HOST, Ipv4.parse("10.0.1.9", ""))),
        bytes(Frames.dhcp(HOST_MAC, 1, 0, 0, 0)),
        bytes(Frames.dhcp(HOST_MAC, 3, 0, 0, Ipv4.parse("10.0.1.120", ""))),
        udpToGateway(53, new byte[] {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 2, 'd', 'b', 0, 0, 1, 0, 1}),
        ipv4(Ipv4Packet.PROTOCOL_ICMP, GATEWAY, NetworkServices.ROUTER_MAC, new byte[] {8, 0, 0, 0, 0, 1, 0, 1}),
        ipv4(Ipv4Packet.PROTOCOL_UDP, OTHER_SUBNET_HOST, NetworkServices.ROUTER_MAC, new byte[1400]),
        ipv4(6, OTHER_SUBNET_HOST, NetworkServices.ROUTER_MAC, new byte[3000]),
        ipv4(Ipv4Packet.PROTOCOL_UDP, Ipv4.parse("10.0.1.9", ""), MacAddress.BROADCAST, new byte[200]));
  }

  private static byte[] bytes(UnsafeBuffer buffer) {
    byte[] copy = new byte[buffer.capacity()];
    buffer.getBytes(0, copy);
    return copy;
  }

  private static byte[] udpToGateway(int port, byte[] payload) {
    return bytes(Frames.udp(MacAddress.parse(HOST_MAC), NetworkServices.ROUTER_MAC, HOST, GATEWAY, 40000, port,
        payload));
  }

  private static byte[] ipv4(int protocol, int destination, long destinationMac, byte[] payload) {
    return bytes(Frames.ipv4(MacAddress.parse(HOST_MAC), destinationMac, HOST, destination, protocol, payload));
  }

  @Test
  void mutated_frames_with_and_without_offloads_never_throw_out_of_the_switch() {
    Random random = new Random(20261124L);
    List<byte[]> templates = templates();
    byte[] header = new byte[Offload.VIRTIO_HEADER_LENGTH];
    for (int round = 0; round < ROUNDS; round++) {
      byte[] template = templates.get(random.nextInt(templates.size()));
      int length = switch (random.nextInt(8)) {
        case 0 -> random.nextInt(template.length + 1);
        case 1 -> template.length + random.nextInt(64);
        default -> template.length;
      };
      // Sometimes at an offset inside a larger buffer, as a TAP's or a ring's read buffer holds it.
      int offset = random.nextInt(4) == 0 ? random.nextInt(100) : 0;
      byte[] frame = new byte[offset + length + (offset > 0 ? random.nextInt(100) : 0)];
      System.arraycopy(template, 0, frame, offset, Math.min(length, template.length));
      for (int flips = random.nextInt(6); flips > 0 && length > 0; flips--) {
        frame[offset + random.nextInt(length)] = (byte) random.nextInt(256);
      }
      long offload = Offload.NONE;
      if (random.nextInt(3) == 0) {
        random.nextBytes(header);
        offload = Offload.readVirtioHeader(new UnsafeBuffer(header), 0);
      }
      UnsafeBuffer buffer = new UnsafeBuffer(frame);
      int ingress = 1 + random.nextInt(2);
      try {
        if (offload != Offload.NONE && random.nextBoolean()) {
          // A TAP port completes a small frame's checksum where the guest's header says, before switching.
          Offload.completeChecksum(buffer, offset, length, offload);
        }
        if (offload == Offload.NONE) {
          core.onFrame(ingress, NET.id(), buffer, offset, length, round);
        } else {
          core.onFrame(ingress, NET.id(), buffer, offset, length, round, offload);
        }
      } catch (RuntimeException e) {
        fail("round " + round + ": " + e + " on frame " + HexFormat.of().formatHex(frame, offset, offset + length)
            + " offload " + Long.toHexString(offload), e);
      }
    }
    int before = hostA.sent().size();
    UnsafeBuffer request = Frames.arpRequest(HOST_MAC, HOST, GATEWAY);
    core.onFrame(1, NET.id(), request, 0, request.capacity(), ROUNDS);
    assertEquals(before + 1, hostA.sent().size(), "the gateway still answers ARP after the fuzzing");
    UnsafeBuffer reply = new UnsafeBuffer(hostA.sent().get(before).bytes());
    assertEquals(ArpPacket.OPERATION_REPLY,
        new ArpPacket().wrap(reply, EthernetFrame.PAYLOAD_OFFSET, ArpPacket.LENGTH).operation());
  }
}
