package io.hvx.runtime.node;

import com.typesafe.config.Config;
import io.hvx.config.HvxSettings;
import io.hvx.net.NetworkNode;
import io.hvx.net.NetworkSettings;
import io.hvx.net.linux.SocketLimits;
import io.hvx.runtime.http.HttpApi;
import io.hvx.runtime.http.ImageRoutes;
import io.hvx.runtime.vm.VmDisks;
import io.hvx.storage.node.NodeStorage;
import java.io.IOException;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;

/** One running hvx node: its actor system in the cluster, its actors and its HTTP endpoint. */
public final class HvxNode implements AutoCloseable {
  /** The file in the data directory that tells the CLI where the node's HTTP endpoint is. */
  public static final String ENDPOINT_FILE = "endpoint";

  private final ActorSystem<Void> system;
  private final ServerBinding binding;
  private final HvxSettings settings;
  private final String url;
  private final NetworkNode network;
  private final NodeStorage storage;
  private boolean released;

  private HvxNode(ActorSystem<Void> system, ServerBinding binding, HvxSettings settings, String url,
      NetworkNode network, NodeStorage storage) {
    this.storage = storage;
    this.system = system;
    this.binding = binding;
    this.settings = settings;
    this.url = url;
    this.network = network;
  }

  /**
   * Starts a node and returns once it is an Up member of its cluster; {@code config} must already
   * contain the hvx and Pekko reference settings (ConfigFactory.load()).
   */
  public static HvxNode start(Config config) throws NodeStartException {
    HvxSettings settings = HvxSettings.from(config);
    // Bad storage settings fail here, before anything starts, like bad hvx.* settings above.
    NodeStorage.Settings storageSettings = NodeStorage.Settings.from(config);
    String token;
    try {
      TokenStore.createPrivateDirectories(settings.node().dataDir());
      token = TokenStore.loadOrCreate(settings.http().tokenFile());
    } catch (IOException e) {
      throw new NodeStartException("cannot use the data directory " + settings.node().dataDir() + ": " + e.getMessage()
          + " (choose another with --data-dir)", e);
    }
    String url = "http://" + hostForUrl(settings.http().host()) + ":" + settings.http().port();
    NetworkSettings networkSettings = NetworkSettings.from(config, settings.cluster().host(),
        settings.cluster().tls().enabled() ? settings.cluster().tls().keyStore() : null);
    NetworkNode network = null;
    if (networkSettings.enabled()) {
      try {
        network = NetworkNode.start(networkSettings, settings.node().name());
      } catch (RuntimeException e) {
        throw new NodeStartException("the hSwitch could not start: " + rootMessage(e), e);
      }
    }
    CompletableFuture<Guardian.Children> children = new CompletableFuture<>();
    AtomicReference<NodeStorage> startedStorage = new AtomicReference<>();
    ActorSystem<Void> system;
    try {
      system = ActorSystem.create(Guardian.create(settings, url, network,
          new VmDisks(startedStorage::get), children), PekkoConfig.SYSTEM_NAME,
          PekkoConfig.from(settings).withFallback(config));
    } catch (RuntimeException e) {
      if (network != null) {
        network.close();
      }
      if (causedBy(e, BindException.class)) {
        throw new NodeStartException("cluster port " + settings.cluster().port() + " on " + settings.cluster().bindHost()
            + " is in use: stop the process using it or choose another with --cluster-port", e);
      }
      throw new NodeStartException("the node's actor system failed to start: " + rootMessage(e), e);
    }
    if (network != null) {
      NetworkNode stopping = network;
      // The TAP vPorts are actors: close the switch only after they have detached.
      system.getWhenTerminated().thenRun(stopping::close);
    }
    NodeStorage images = null;
    try {
      CompletableFuture.anyOf(children, system.getWhenTerminated().toCompletableFuture()).get(30, TimeUnit.SECONDS);
      if (!children.isDone()) {
        throw new NodeStartException("the node's actor system stopped while starting");
      }
      Guardian.Children actors = children.get();
      try {
        images = NodeStorage.start(system, storageSettings);
        startedStorage.set(images);
      } catch (IOException e) {
        throw new NodeStartException("cannot start the node's storage: " + e.getMessage(), e);
      }
      ImageRoutes imageRoutes = new ImageRoutes(system, images, settings.node().dataDir().resolve("uploads"));
      HttpApi api = new HttpApi(system, actors.membership(), PekkoManagement.get(system).getRoutes(), token,
          settings.node().name(), settings.http().requestTimeout(), imageRoutes.routes())
          .withNetwork(actors.networks(), actors.hswitch(), network == null ? null : network.hswitch())
          .withVms(actors.vms());
      if (network != null && !network.staleDirectoriesRemoved().isEmpty()) {
        // A node on this machine did not stop cleanly before: worth seeing at the default log level.
        system.log().warn("removed {} Aeron directories left by node processes that are gone: {}",
            network.staleDirectoriesRemoved().size(), network.staleDirectoriesRemoved());
      }
      String windowWarning =
          network == null ? null : networkSettings.overlayWindowWarning(SocketLimits.receiveBufferMax());
      if (windowWarning != null) {
        system.log().warn(windowWarning);
      }
      if (network != null && networkSettings.developmentSecret()) {
        system.log().warn("hvx.network.secret is not set: overlay traffic is encrypted with a fixed development"
            + " secret. Set hvx.network.secret or secret-file (the same on every node) outside a trusted network.");
      }
      ServerBinding binding = bind(system, settings, api);
      HvxNode node = new HvxNode(system, binding, settings, url, network, images);
      node.join();
      node.awaitUp();
      node.writeEndpointFile();
      return node;
    } catch (NodeStartException | InterruptedException | ExecutionException | TimeoutException
        | IllegalStateException e) {
      closeQuietly(images);
      // Pekko stops the actor system by itself when seed nodes do not answer within the join timeout; on a
      // slow machine that can happen before the actors or the HTTP server are up, which then fail oddly.
      boolean stoppedByPekko = system.getWhenTerminated().toCompletableFuture().isDone();
      terminate(system);
      if (stoppedByPekko && !settings.cluster().seedNodes().isEmpty()) {
        throw new NodeStartException(joinFailure(settings), e);
      }
      if (e instanceof NodeStartException n) {
        throw n;
      }
      if (e instanceof IllegalStateException i) {
        throw i;
      }
      throw new NodeStartException("the node's actors did not start: " + rootMessage(e), e);
    }
  }

  private static ServerBinding bind(ActorSystem<Void> system, HvxSettings settings, HttpApi api)
      throws NodeStartException {
    try {
      return Http.get(system).newServerAt(settings.http().host(), settings.http().port()).bind(api.routes())
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      String why = causedBy(e, BindException.class) ? "is in use or not an address of this machine" : rootMessage(e);
      throw new NodeStartException("HTTP port " + settings.http().port() + " on " + settings.http().host() + " " + why
          + ": choose another with --http-port / --http-host", e);
    } catch (InterruptedException | TimeoutException e) {
      throw new NodeStartException("the HTTP endpoint did not start: " + rootMessage(e), e);
    }
  }

  private void join() {
    Cluster cluster = Cluster.get(system);
    if (settings.cluster().bootstrap().enabled()) {
      ClusterBootstrap.get(system).start();
    } else if (settings.cluster().seedNodes().isEmpty()) {
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
    // With seed nodes in config, Pekko joins them by itself at start.
  }

  private void awaitUp() throws NodeStartException {
    Duration limit = settings.cluster().joinTimeout().plusSeconds(5);
    long deadline = System.nanoTime() + limit.toNanos();
    Cluster cluster = Cluster.get(system);
    while (cluster.selfMember().status() != MemberStatus.up()) {
      if (system.getWhenTerminated().toCompletableFuture().isDone() || System.nanoTime() > deadline) {
        throw new NodeStartException(joinFailure(settings));
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new NodeStartException("interrupted while joining the cluster");
      }
    }
  }

  private static String joinFailure(HvxSettings settings) {
    String from = settings.cluster().bootstrap().enabled()
        ? "through Cluster Bootstrap (discovery '" + settings.cluster().bootstrap().discoveryMethod() + "')"
        : "seed nodes " + settings.cluster().seedNodes();
    return "could not join the cluster " + from + " within " + settings.cluster().joinTimeout().toSeconds()
        + " s: check the addresses, that the cluster port is open between the nodes, and that TLS settings match";
  }

  private void writeEndpointFile() throws NodeStartException {
    Path file = settings.node().dataDir().resolve(ENDPOINT_FILE);
    Path temp = file.resolveSibling(ENDPOINT_FILE + ".tmp");
    try {
      Files.writeString(temp, url + "\n", StandardCharsets.UTF_8);
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new NodeStartException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  public String url() {
    return url;
  }

  public HvxSettings settings() {
    return settings;
  }

  public ActorSystem<Void> system() {
    return system;
  }

  /** Completes when the node has stopped, by {@link #close()}, a signal, or the split-brain resolver. */
  public CompletableFuture<?> whenTerminated() {
    return system.getWhenTerminated().toCompletableFuture();
  }

  /** Leaves the cluster gracefully and stops. */
  @Override
  public void close() {
    binding.unbind();
    terminate(system);
    release();
  }

  /**
   * Waits up to {@code limit} for the actor system to stop (by {@link #close()}, Pekko's own shutdown hook, or
   * downing), then closes the switch and the storage. A JVM shutdown hook calls it: the JVM halts once its
   * hooks return, which would otherwise cut the closing short and leave the overlay's Aeron files behind.
   */
  public void awaitStopped(Duration limit) {
    awaitTermination(system, limit);
    release();
  }

  /**
   * Closes the switch (after its vPort actors stopped) and the storage, once; a second caller waits until the
   * first is done, so that a shutdown hook never returns (and lets the JVM halt) while the closing runs.
   */
  private synchronized void release() {
    if (!released) {
      released = true;
      if (network != null) {
        network.close();
      }
      closeQuietly(storage);
    }
  }

  /** The node's storage: image store, cache, snapshots, NBD server. */
  public NodeStorage storage() {
    return storage;
  }

  private static void closeQuietly(NodeStorage images) {
    if (images != null) {
      try {
        images.close();
      } catch (IOException e) {
        // The process is stopping; nothing is left to flush.
      }
    }
  }

  private static void terminate(ActorSystem<Void> system) {
    system.terminate();
    awaitTermination(system, Duration.ofSeconds(60));
  }

  private static void awaitTermination(ActorSystem<Void> system, Duration limit) {
    try {
      system.getWhenTerminated().toCompletableFuture().get(limit.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // Stopping is best effort; the process exits anyway.
    }
  }

  private static String hostForUrl(String host) {
    if (host.equals("0.0.0.0") || host.equals("::")) {
      return "127.0.0.1";
    }
    return host.contains(":") ? "[" + host + "]" : host;
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }
}
