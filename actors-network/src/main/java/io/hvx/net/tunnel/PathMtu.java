package io.hvx.net.tunnel;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;

/**
 * The Aeron MTU of the tunnel to one peer, sized to the interface the kernel routes the peer through: a
 * GSO frame of 64 KiB then crosses loopback or a jumbo-frame LAN as one or a few datagrams instead of
 * 32 of 2 KiB, and each datagram costs a system call on both sides (the largest cost of the data path on
 * a paravirtualised host). Never below {@link OverlaySettings#MIN_MTU}, so that a full 1500-byte guest
 * frame is never split by Aeron.
 */
public final class PathMtu {
  /** Aeron's largest datagram (its limit for a UDP payload). */
  public static final int MAX_MTU = 65_504;
  private static final int IPV4_UDP_HEADERS = 20 + 8;
  private static final int IPV6_UDP_HEADERS = 40 + 8;

  private PathMtu() {}

  /**
   * The MTU for sending to {@code endpoint} ("host:port" or "[v6]:port"): the outgoing interface's MTU less
   * the IP and UDP headers, rounded down to Aeron's 32-byte frame alignment and clamped to
   * [{@link OverlaySettings#MIN_MTU}, {@link #MAX_MTU}]; the minimum when the route cannot be read.
   */
  public static int toward(String endpoint) {
    InetSocketAddress peer = parse(endpoint);
    if (peer == null || peer.isUnresolved()) {
      return OverlaySettings.MIN_MTU;
    }
    // Connecting a UDP socket asks the kernel for the route and binds the source address it picks;
    // nothing is sent.
    try (DatagramSocket probe = new DatagramSocket()) {
      probe.connect(peer);
      InetAddress local = probe.getLocalAddress();
      NetworkInterface device = local == null ? null : NetworkInterface.getByInetAddress(local);
      if (device == null) {
        return OverlaySettings.MIN_MTU;
      }
      return forInterfaceMtu(device.getMTU(), peer.getAddress() instanceof Inet6Address);
    } catch (IOException | RuntimeException e) {
      return OverlaySettings.MIN_MTU;
    }
  }

  /** The Aeron MTU for an interface MTU (see {@link #toward}). */
  public static int forInterfaceMtu(int interfaceMtu, boolean ipv6) {
    int payload = interfaceMtu - (ipv6 ? IPV6_UDP_HEADERS : IPV4_UDP_HEADERS);
    int aligned = payload & ~31;
    return Math.clamp(aligned, OverlaySettings.MIN_MTU, MAX_MTU);
  }

  private static InetSocketAddress parse(String endpoint) {
    int colon = endpoint.lastIndexOf(':');
    if (colon <= 0) {
      return null;
    }
    String host = endpoint.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      return new InetSocketAddress(host, Integer.parseInt(endpoint.substring(colon + 1)));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
