package io.hvx.runtime.node;

import io.hvx.config.HvxSettings;
import io.hvx.net.HSwitchActor;
import io.hvx.net.NetworkNode;
import io.hvx.net.NetworkRegistry;
import io.hvx.runtime.vm.VmDisks;
import io.hvx.runtime.vm.VmManager;
import io.hvx.runtime.vm.VmNetwork;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** The root actor of a node: starts the node's long-lived actors and hands their references out. */
final class Guardian {
  record Children(ActorRef<Membership.Command> membership, ActorRef<NodeAgent.Command> agent,
      ActorRef<HSwitchActor.Command> hswitch, ActorRef<NetworkRegistry.Command> networks,
      ActorRef<VmManager.Command> vms) {}

  private Guardian() {}

  static Behavior<Void> create(HvxSettings settings, String httpUrl, NetworkNode network, VmDisks disks,
      CompletableFuture<Children> children) {
    return Behaviors.setup(context -> {
      ActorRef<Membership.Command> membership = context.spawn(
          Behaviors.supervise(Membership.create()).onFailure(SupervisorStrategy.restart()), "membership");
      ActorRef<NodeAgent.Command> agent = context.spawn(
          Behaviors.supervise(NodeAgent.create(settings, httpUrl)).onFailure(SupervisorStrategy.restart()), "node-agent");
      ActorRef<HSwitchActor.Command> hswitch = null;
      ActorRef<NetworkRegistry.Command> networks = null;
      if (network != null) {
        // The hSwitch's data plane lives outside the actors: a restarted actor finds it as it was.
        hswitch = context.spawn(Behaviors.supervise(HSwitchActor.create(network.hswitch(),
            settings.node().dataDir().resolve("attachments"))).onFailure(SupervisorStrategy.restart()), "hswitch");
        networks = context.spawn(Behaviors.supervise(NetworkRegistry.create(network.hswitch()))
            .onFailure(SupervisorStrategy.restart()), "networks");
      }
      // A VM's failure stops only its own actor (VmManager supervises them); restarting the parent would lose
      // every VM of the node, so it is not supervised to restart.
      ActorRef<VmManager.Command> vms = context.spawn(VmManager.create(settings.node().name(), httpUrl, disks,
          new VmNetwork(networks, hswitch)), "vms");
      children.complete(new Children(membership, agent, hswitch, networks, vms));
      return Behaviors.empty();
    });
  }
}
