package io.hvx.runtime.node;

import io.hvx.config.HvxSettings;
import io.hvx.config.serialization.ClusterMessage;
import io.hvx.runtime.HvxVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Speaks for its node in the cluster: publishes the node's attributes to every node (Distributed
 * Data), and answers questions about the node from anywhere in the cluster.
 */
public final class NodeAgent {
  /** The receptionist key every node's agent registers under. */
  public static final ServiceKey<Command> SERVICE_KEY = ServiceKey.create(Command.class, "hvx-node-agent");

  /** The replicated map of node id to attributes. */
  public static final Key<LWWMap<String, NodeAttributes>> ATTRIBUTES = LWWMapKey.create("hvx-node-attributes");

  private static final String LABELS_FILE = "labels.properties";

  public sealed interface Command {}

  /** Asks the node about itself; answered by the node's own agent. */
  public record GetInfo(ActorRef<NodeInfo> replyTo) implements Command, ClusterMessage {}

  /** Replaces the node's labels (user-defined attributes, e.g. for placement). */
  public record SetLabels(Map<String, String> labels, ActorRef<LabelsSet> replyTo) implements Command, ClusterMessage {}

  /** The outcome of {@link SetLabels}: the labels now in effect, or why they were not stored. */
  public record LabelsSet(Map<String, String> labels, String error) implements ClusterMessage {}

  private enum Publish implements Command {
    INSTANCE
  }

  private record Published(Replicator.UpdateResponse<LWWMap<String, NodeAttributes>> response) implements Command {}

  private final ActorContext<Command> context;
  private final ReplicatorMessageAdapter<Command, LWWMap<String, NodeAttributes>> replicator;
  private final HvxSettings settings;
  private final String httpUrl;
  private final long startedAt = System.currentTimeMillis();
  private final SelfUniqueAddress self;
  private TreeMap<String, String> labels;

  private NodeAgent(
      ActorContext<Command> context,
      ReplicatorMessageAdapter<Command, LWWMap<String, NodeAttributes>> replicator,
      HvxSettings settings,
      String httpUrl) {
    this.context = context;
    this.replicator = replicator;
    this.settings = settings;
    this.httpUrl = httpUrl;
    this.self = DistributedData.get(context.getSystem()).selfUniqueAddress();
    this.labels = readLabels(labelsFile());
  }

  public static Behavior<Command> create(HvxSettings settings, String httpUrl) {
    return Behaviors.setup(context -> DistributedData.withReplicatorMessageAdapter(
        (ReplicatorMessageAdapter<Command, LWWMap<String, NodeAttributes>> replicator) ->
            Behaviors.withTimers(timers -> {
              context.getSystem().receptionist().tell(Receptionist.register(SERVICE_KEY, context.getSelf()));
              timers.startTimerWithFixedDelay(Publish.INSTANCE, settings.node().attributesRefresh());
              context.getSelf().tell(Publish.INSTANCE);
              return new NodeAgent(context, replicator, settings, httpUrl).behavior();
            })));
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(GetInfo.class, this::onGetInfo)
        .onMessage(SetLabels.class, this::onSetLabels)
        .onMessageEquals(Publish.INSTANCE, this::publish)
        .onMessage(Published.class, message -> Behaviors.same())
        .build();
  }

  private NodeAttributes attributes() {
    return new NodeAttributes(
        settings.node().name(),
        Cluster.get(context.getSystem()).selfMember().address().toString(),
        settings.node().cloud(),
        settings.node().region(),
        settings.node().zone(),
        settings.node().publicAddress(),
        httpUrl,
        HostFacts.cpus(),
        HostFacts.memoryBytes(),
        HostFacts.freeDiskBytes(settings.node().dataDir()),
        HvxVersion.get(),
        startedAt,
        new TreeMap<>(labels));
  }

  private Behavior<Command> publish() {
    NodeAttributes attributes = attributes();
    replicator.askUpdate(
        replyTo -> new Replicator.Update<>(ATTRIBUTES, LWWMap.create(), Replicator.writeLocal(), replyTo,
            map -> map.put(self, attributes.id(), attributes)),
        Published::new);
    return Behaviors.same();
  }

  private Behavior<Command> onGetInfo(GetInfo request) {
    request.replyTo().tell(new NodeInfo(
        attributes(),
        ProcessHandle.current().pid(),
        System.currentTimeMillis() - startedAt,
        Runtime.version().toString(),
        settings.node().name()));
    return Behaviors.same();
  }

  private Behavior<Command> onSetLabels(SetLabels request) {
    TreeMap<String, String> next = new TreeMap<>(request.labels());
    try {
      writeLabels(labelsFile(), next);
    } catch (IOException e) {
      request.replyTo().tell(new LabelsSet(new TreeMap<>(labels), "could not store labels in " + labelsFile()
          + ": " + e.getMessage()));
      return Behaviors.same();
    }
    labels = next;
    request.replyTo().tell(new LabelsSet(new TreeMap<>(labels), null));
    return publish();
  }

  private Path labelsFile() {
    return settings.node().dataDir().resolve(LABELS_FILE);
  }

  private TreeMap<String, String> readLabels(Path file) {
    TreeMap<String, String> result = new TreeMap<>();
    if (!Files.exists(file)) {
      return result;
    }
    Properties properties = new Properties();
    try (var in = Files.newBufferedReader(file)) {
      properties.load(in);
    } catch (IOException | IllegalArgumentException e) {
      context.getLog().warn("ignoring unreadable labels file {}: {}", file, e.getMessage());
      return result;
    }
    properties.stringPropertyNames().forEach(name -> result.put(name, properties.getProperty(name)));
    return result;
  }

  private static void writeLabels(Path file, Map<String, String> labels) throws IOException {
    Properties properties = new Properties();
    properties.putAll(labels);
    Path temp = file.resolveSibling(LABELS_FILE + ".tmp");
    try (var out = Files.newBufferedWriter(temp)) {
      properties.store(out, "hvx node labels");
    }
    Files.move(temp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

}
