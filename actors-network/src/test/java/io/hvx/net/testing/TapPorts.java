package io.hvx.net.testing;

import io.hvx.net.HSwitch;
import io.hvx.net.tap.TapDevice;
import io.hvx.net.tap.TapPort;
import java.util.ArrayList;
import java.util.List;

/** TAP ports a test opens with offloads (as nodes open them) and attaches to switches; closes them all. */
public final class TapPorts implements AutoCloseable {
  private final List<TapPort> ports = new ArrayList<>();

  /** Opens TAP {@code name} and attaches it as local port {@code portId} of {@code networkId}; returns its name. */
  public String attach(HSwitch hswitch, int portId, int networkId, String name) {
    TapPort tap = new TapPort(TapDevice.open(name, true), hswitch.counters());
    hswitch.attachTap(portId, networkId, tap);
    ports.add(tap);
    return tap.device().name();
  }

  /** Closes every port; call after closing the switches, whose threads write to them until then. */
  @Override
  public void close() {
    ports.forEach(TapPort::close);
  }
}
