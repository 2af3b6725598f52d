package io.hvx.net.switching;

import java.util.Objects;

/**
 * A port of the switch: its id in the MAC table, its kind, its logical network (for local ports) and
 * the sink frames leave through.
 */
public record VPort(int id, PortKind kind, int networkId, FrameSink sink) {
  /** Network id used by tunnel ports, which carry every network. */
  public static final int ANY_NETWORK = -1;

  public VPort {
    if (id < 0 || id >= L2Switch.MAX_PORTS) {
      throw new IllegalArgumentException("port id must be in 0.." + (L2Switch.MAX_PORTS - 1) + ": " + id);
    }
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(sink, "sink");
  }

  public static VPort local(int id, int networkId, FrameSink sink) {
    return new VPort(id, PortKind.LOCAL, networkId, sink);
  }

  public static VPort tunnel(int id, FrameSink sink) {
    return new VPort(id, PortKind.TUNNEL, ANY_NETWORK, sink);
  }
}
