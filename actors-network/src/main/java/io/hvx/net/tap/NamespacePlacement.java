package io.hvx.net.tap;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Moves a TAP interface into an existing network namespace and optionally gives it an address and a
 * default route there, with iproute2 (control plane only). The TAP's descriptor stays valid in this
 * process after the move.
 */
public record NamespacePlacement(String namespace, String address, String gateway) {
  private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
  private static final Pattern CIDR = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}/\\d{1,2}");
  private static final Pattern ADDRESS = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  /** Checks the fields' shape; {@code address} and {@code gateway} may be empty. */
  public NamespacePlacement {
    if (namespace == null || !NAMESPACE.matcher(namespace).matches()) {
      throw new IllegalArgumentException("bad namespace name '" + namespace + "': 1-64 letters, digits, '_', '.', '-'");
    }
    address = address == null ? "" : address.trim();
    gateway = gateway == null ? "" : gateway.trim();
    if (!address.isEmpty() && !CIDR.matcher(address).matches()) {
      throw new IllegalArgumentException("bad address '" + address + "': expected ADDRESS/PREFIX, e.g. 10.0.1.5/24");
    }
    if (!gateway.isEmpty() && !ADDRESS.matcher(gateway).matches()) {
      throw new IllegalArgumentException("bad gateway '" + gateway + "': expected an IPv4 address");
    }
  }

  /** Applies the placement to interface {@code device}; throws {@link TapException} naming the failed step. */
  public void apply(String device) {
    if (!Files.exists(Path.of("/run/netns", namespace))) {
      throw new TapException("no network namespace '" + namespace + "' (create it with 'ip netns add " + namespace + "')");
    }
    IpCommand.run("link", "set", "dev", device, "netns", namespace);
    IpCommand.run("-n", namespace, "link", "set", "dev", device, "up");
    if (!address.isEmpty()) {
      IpCommand.run("-n", namespace, "addr", "add", address, "dev", device);
    }
    if (!gateway.isEmpty()) {
      IpCommand.run("-n", namespace, "route", "replace", "default", "via", gateway, "dev", device);
    }
  }
}
