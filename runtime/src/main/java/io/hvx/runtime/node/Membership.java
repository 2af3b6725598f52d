package io.hvx.runtime.node;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The node's view of the cluster: members with their status and published attributes, and where each
 * node's agent lives so that questions about a node are answered by that node.
 */
public final class Membership {
  public sealed interface Command {}

  /** Lists every member of the cluster. */
  public record ListNodes(ActorRef<List<NodeView>> replyTo) implements Command {}

  /** Finds the agent of the node with this id (or Artery address). */
  public record LocateNode(String id, ActorRef<Located> replyTo) implements Command {}

  /** The answer to {@link LocateNode}: the member, if known, and its agent, if reachable through the receptionist. */
  public record Located(Optional<NodeView> node, Optional<ActorRef<NodeAgent.Command>> agent) {}

  private record AttributesChanged(Replicator.SubscribeResponse<LWWMap<String, NodeAttributes>> response)
      implements Command {}

  private record AgentsChanged(Receptionist.Listing listing) implements Command {}

  private final Cluster cluster;
  private Map<String, NodeAttributes> attributesByAddress = Map.of();
  private Map<Address, ActorRef<NodeAgent.Command>> agents = Map.of();

  private Membership(ActorContext<Command> context) {
    this.cluster = Cluster.get(context.getSystem());
  }

  public static Behavior<Command> create() {
    return Behaviors.setup(context -> DistributedData.withReplicatorMessageAdapter(
        (ReplicatorMessageAdapter<Command, LWWMap<String, NodeAttributes>> replicator) -> {
          replicator.subscribe(NodeAgent.ATTRIBUTES, AttributesChanged::new);
          ActorRef<Receptionist.Listing> listings = context.messageAdapter(Receptionist.Listing.class, AgentsChanged::new);
          context.getSystem().receptionist().tell(Receptionist.subscribe(NodeAgent.SERVICE_KEY, listings));
          return new Membership(context).behavior();
        }));
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(ListNodes.class, request -> {
          request.replyTo().tell(nodes());
          return Behaviors.same();
        })
        .onMessage(LocateNode.class, request -> {
          Optional<NodeView> node = find(request.id());
          Optional<ActorRef<NodeAgent.Command>> agent =
              node.map(view -> agents.get(addressOf(view))).filter(ref -> ref != null);
          request.replyTo().tell(new Located(node, agent));
          return Behaviors.same();
        })
        .onMessage(AttributesChanged.class, this::onAttributes)
        .onMessage(AgentsChanged.class, this::onAgents)
        .build();
  }

  private Behavior<Command> onAttributes(AttributesChanged message) {
    if (message.response() instanceof Replicator.Changed<LWWMap<String, NodeAttributes>> changed) {
      Map<String, NodeAttributes> byAddress = new HashMap<>();
      for (NodeAttributes attributes : changed.get(NodeAgent.ATTRIBUTES).getEntries().values()) {
        byAddress.put(attributes.address(), attributes);
      }
      attributesByAddress = byAddress;
    }
    return Behaviors.same();
  }

  private Behavior<Command> onAgents(AgentsChanged message) {
    Map<Address, ActorRef<NodeAgent.Command>> byAddress = new HashMap<>();
    Address self = cluster.selfMember().address();
    for (ActorRef<NodeAgent.Command> agent : message.listing().getServiceInstances(NodeAgent.SERVICE_KEY)) {
      Address address = agent.path().address();
      byAddress.put(address.hasGlobalScope() ? address : self, agent);
    }
    agents = byAddress;
    return Behaviors.same();
  }

  private List<NodeView> nodes() {
    ClusterEvent.CurrentClusterState state = cluster.state();
    Set<Member> unreachable = new HashSet<>(CollectionConverters.asJava(state.unreachable()));
    Address leader = state.getLeader();
    List<NodeView> views = new ArrayList<>();
    for (Member member : CollectionConverters.asJava(state.members())) {
      String address = member.address().toString();
      NodeAttributes attributes = attributesByAddress.get(address);
      views.add(new NodeView(
          attributes == null ? address : attributes.id(),
          address,
          member.status().toString().toLowerCase(Locale.ROOT),
          !unreachable.contains(member),
          member.address().equals(leader),
          attributes));
    }
    return views;
  }

  private Optional<NodeView> find(String id) {
    return nodes().stream().filter(view -> view.id().equals(id) || view.address().equals(id)).findFirst();
  }

  private static Address addressOf(NodeView view) {
    return org.apache.pekko.actor.AddressFromURIString.parse(view.address());
  }
}
