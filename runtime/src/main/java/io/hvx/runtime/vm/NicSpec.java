package io.hvx.runtime.vm;

import io.hvx.net.frame.MacAddress;
import io.hvx.net.logical.DefinitionException;
import io.hvx.net.logical.Ipv4;
import java.util.regex.Pattern;

/**
 * One NIC of a VM definition, {@code NETWORK[,mac=MAC][,ip=ADDRESS]}: a virtio-net device on a vPort of the node's
 * hSwitch in logical network {@code network}. {@code mac} 0 means one derived from the VM id; {@code address} null
 * means DHCP picks one.
 */
public record NicSpec(String network, long mac, String address) {
  private static final Pattern NETWORK = Pattern.compile("[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?");

  /** Reads a {@code --net} value; throws {@link VmSpecException} naming the problem. */
  public static NicSpec parse(String text) {
    String[] parts = text == null ? new String[] {""} : text.split(",", -1);
    if (!NETWORK.matcher(parts[0]).matches()) {
      throw new VmSpecException("NIC '" + text + "': start with a logical network's name (see hvx net list),"
          + " then ,mac=MAC or ,ip=ADDRESS");
    }
    long mac = 0;
    String address = null;
    for (int i = 1; i < parts.length; i++) {
      String part = parts[i];
      try {
        if (part.startsWith("mac=")) {
          mac = MacAddress.parse(part.substring(4));
          if (mac == 0 || MacAddress.isGroup(mac)) {
            throw new IllegalArgumentException("a NIC needs a unicast MAC, not " + part.substring(4));
          }
        } else if (part.startsWith("ip=")) {
          Ipv4.parse(part.substring(3), "NIC '" + text + "'");
          address = part.substring(3);
        } else {
          throw new IllegalArgumentException("unknown option '" + part + "': use mac=MAC or ip=ADDRESS");
        }
      } catch (IllegalArgumentException | DefinitionException e) {
        throw new VmSpecException("NIC '" + text + "': " + e.getMessage());
      }
    }
    return new NicSpec(parts[0], mac, address);
  }

  /**
   * The NIC's MAC: the one given, else a locally administered unicast one from the VM id (32 bits of hex) and the
   * NIC's index, the same on every start of the VM.
   */
  public long macFor(String vmId, int index) {
    if (mac != 0) {
      return mac;
    }
    return (0x02L << 40) | (Long.parseLong(vmId, 16) & 0xFFFF_FFFFL) << 8 | (index & 0xFF);
  }
}
