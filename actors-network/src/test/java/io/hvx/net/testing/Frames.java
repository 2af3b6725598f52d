package io.hvx.net.testing;

import io.hvx.net.frame.ArpPacket;
import io.hvx.net.frame.EthernetFrame;
import io.hvx.net.frame.MacAddress;
import org.agrona.concurrent.UnsafeBuffer;

/** Builds test frames. */
public final class Frames {
  private Frames() {}

  /** A 60-byte frame (minimum Ethernet payload) with a payload marker byte. */
  public static UnsafeBuffer frame(String destination, String source, int marker) {
    UnsafeBuffer buffer = new UnsafeBuffer(new byte[60]);
    new EthernetFrame().wrap(buffer, 0, 60)
        .destination(MacAddress.parse(destination))
        .source(MacAddress.parse(source))
        .etherType(0x88B5);
    buffer.putByte(EthernetFrame.PAYLOAD_OFFSET, (byte) marker);
    return buffer;
  }

  public static UnsafeBuffer arpRequest(String sourceMac, int senderIp, int targetIp) {
    UnsafeBuffer buffer = new UnsafeBuffer(new byte[EthernetFrame.HEADER_LENGTH + ArpPacket.LENGTH]);
    long mac = MacAddress.parse(sourceMac);
    new EthernetFrame().wrap(buffer, 0, buffer.capacity())
        .destination(MacAddress.BROADCAST).source(mac).etherType(EthernetFrame.ETHER_TYPE_ARP);
    new ArpPacket().wrap(buffer, EthernetFrame.PAYLOAD_OFFSET, ArpPacket.LENGTH)
        .write(ArpPacket.OPERATION_REQUEST, mac, senderIp, 0, targetIp);
    return buffer;
  }
}
