package io.hvx.runtime.node;

import io.hvx.config.HvxSettings;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/** The root actor of a node: starts the node's long-lived actors and hands their references out. */
final class Guardian {
  record Children(ActorRef<Membership.Command> membership, ActorRef<NodeAgent.Command> agent) {}

  private Guardian() {}

  static Behavior<Void> create(HvxSettings settings, String httpUrl, CompletableFuture<Children> children) {
    return Behaviors.setup(context -> {
      ActorRef<Membership.Command> membership = context.spawn(
          Behaviors.supervise(Membership.create()).onFailure(SupervisorStrategy.restart()), "membership");
      ActorRef<NodeAgent.Command> agent = context.spawn(
          Behaviors.supervise(NodeAgent.create(settings, httpUrl)).onFailure(SupervisorStrategy.restart()), "node-agent");
      children.complete(new Children(membership, agent));
      return Behaviors.empty();
    });
  }
}
