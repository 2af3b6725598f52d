package io.hvx.runtime.vm;

import io.hvx.net.HSwitchActor;
import io.hvx.net.NetworkRegistry;
import io.hvx.net.logical.NetworkDefinition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;

/** The node's hSwitch and logical networks, which VM NICs attach to; both null where the node runs no hSwitch. */
public record VmNetwork(ActorRef<NetworkRegistry.Command> registry, ActorRef<HSwitchActor.Command> hswitch) {
  public static final VmNetwork NONE = new VmNetwork(null, null);

  /** A NIC of a VM resolved against the cluster's networks: what AttachNic needs. */
  public record Nic(String network, int networkId, long mac, String address) {}

  boolean present() {
    return registry != null && hswitch != null;
  }

  /** The VM's NICs on the networks defined now; throws {@link VmSpecException} naming an unknown network. */
  static List<Nic> resolve(String vmId, List<NicSpec> nics, List<NetworkDefinition> networks) {
    List<Nic> out = new ArrayList<>();
    for (int i = 0; i < nics.size(); i++) {
      NicSpec nic = nics.get(i);
      Optional<NetworkDefinition> network = networks.stream().filter(n -> n.name().equals(nic.network())).findFirst();
      if (network.isEmpty()) {
        throw new VmSpecException("no network '" + nic.network() + "' (see hvx net list; create it with hvx net"
            + " create)");
      }
      out.add(new Nic(nic.network(), network.get().id(), nic.macFor(vmId, i), nic.address()));
    }
    return out;
  }
}
