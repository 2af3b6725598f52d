package io.hvx.runtime.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.hvx.runtime.HvxVersion;
import io.hvx.runtime.node.Membership;
import io.hvx.runtime.node.NodeAgent;
import io.hvx.runtime.node.NodeInfo;
import io.hvx.runtime.node.NodeView;
import io.hvx.runtime.node.TokenStore;
import io.hvx.runtime.vm.VmManager;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.HttpChallenge;
import org.apache.pekko.http.javadsl.model.headers.WWWAuthenticate;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Rejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The node's HTTP API: hvx routes under {@code /hvx} and Pekko Management's routes, all behind the
 * bearer token, with JSON errors for every failure.
 */
public final class HttpApi extends AllDirectives {
  private static final int MAX_LABELS = 64;

  private final ActorSystem<?> system;
  private final ActorRef<Membership.Command> membership;
  private final Route management;
  private final String token;
  private final String nodeId;
  private final Duration timeout;
  private final Route extraHvxRoutes;
  private NetworkRoutes network;
  private VmRoutes vms;

  /** Adds the VM routes under /hvx/vms. */
  public HttpApi withVms(ActorRef<VmManager.Command> manager) {
    this.vms = new VmRoutes(system, manager, nodeId, timeout);
    return this;
  }

  /** Adds the hSwitch routes; {@code registry} null answers them with 503 (the hSwitch is off). */
  public HttpApi withNetwork(org.apache.pekko.actor.typed.ActorRef<io.hvx.net.NetworkRegistry.Command> registry,
      org.apache.pekko.actor.typed.ActorRef<io.hvx.net.HSwitchActor.Command> hswitchActor, io.hvx.net.HSwitch hswitch) {
    this.network = new NetworkRoutes(system, registry, hswitchActor, hswitch, nodeId, timeout);
    return this;
  }

  public HttpApi(
      ActorSystem<?> system,
      ActorRef<Membership.Command> membership,
      Route management,
      String token,
      String nodeId,
      Duration timeout) {
    this(system, membership, management, token, nodeId, timeout, null);
  }

  /** extraHvxRoutes (storage, ...) are served under /hvx behind the same token. */
  public HttpApi(
      ActorSystem<?> system,
      ActorRef<Membership.Command> membership,
      Route management,
      String token,
      String nodeId,
      Duration timeout,
      Route extraHvxRoutes) {
    this.extraHvxRoutes = extraHvxRoutes;
    this.system = system;
    this.membership = membership;
    this.management = management;
    this.token = token;
    this.nodeId = nodeId;
    this.timeout = timeout;
  }

  public Route routes() {
    return handleExceptions(exceptions(), () -> handleRejections(rejections(), () -> concat(
        // Peers' Cluster Bootstrap probes this without a token; it reveals only seed node addresses.
        pathPrefixTest("bootstrap", () -> management),
        authenticated(() -> concat(pathPrefix("hvx", this::hvxRoutes), management)))));
  }

  private Route authenticated(java.util.function.Supplier<Route> inner) {
    return optionalHeaderValueByName("Authorization", header -> {
      Optional<String> presented = header.filter(value -> value.regionMatches(true, 0, "Bearer ", 0, 7))
          .map(value -> value.substring(7).trim());
      if (presented.isPresent() && TokenStore.matches(token, presented.get())) {
        return inner.get();
      }
      String message = presented.isEmpty()
          ? "missing bearer token: send 'Authorization: Bearer <token>' (the token is in the node's data directory)"
          : "wrong bearer token";
      return complete(Json.error(StatusCodes.UNAUTHORIZED, "unauthorized", message)
          .addHeader(WWWAuthenticate.create(HttpChallenge.create("Bearer", "hvx"))));
    });
  }

  private Route hvxRoutes() {
    Route own = hvxOwnRoutes();
    return extraHvxRoutes == null ? own : concat(own, extraHvxRoutes);
  }

  private Route hvxOwnRoutes() {
    Route networkRoutes = network == null ? reject() : network.routes();
    return concat(
        networkRoutes,
        vms == null ? reject() : vms.routes(),
        path("version", () -> get(() -> complete(Json.ok(Map.of("version", HvxVersion.get(), "node", nodeId))))),
        pathPrefix("nodes", () -> concat(
            pathEnd(() -> get(this::listNodes)),
            pathPrefix(PathMatchers.segment(), id -> concat(
                pathEnd(() -> get(() -> showNode(id))),
                path("labels", () -> put(() -> entity(Unmarshaller.entityToString(), body -> setLabels(id, body)))))))));
  }

  private Route listNodes() {
    CompletionStage<List<NodeView>> nodes =
        AskPattern.ask(membership, Membership.ListNodes::new, timeout, system.scheduler());
    return completeWithFuture(nodes.thenApply(list -> Json.ok(Map.of("servedBy", nodeId, "nodes", list))));
  }

  private Route showNode(String id) {
    return completeWithFuture(withAgent(id, agent ->
        AskPattern.<NodeAgent.Command, NodeInfo>ask(agent, NodeAgent.GetInfo::new, timeout, system.scheduler())
            .thenApply(info -> {
              Map<String, Object> body = new LinkedHashMap<>();
              body.put("servedBy", nodeId);
              body.put("info", info);
              return Json.ok(body);
            })));
  }

  private Route setLabels(String id, String body) {
    Map<String, String> labels;
    try {
      labels = parseLabels(body);
    } catch (BadRequest e) {
      return complete(Json.error(StatusCodes.BAD_REQUEST, "bad_request", e.getMessage()));
    }
    return completeWithFuture(withAgent(id, agent ->
        AskPattern.<NodeAgent.Command, NodeAgent.LabelsSet>ask(
                agent, replyTo -> new NodeAgent.SetLabels(labels, replyTo), timeout, system.scheduler())
            .thenApply(result -> result.error() == null
                ? Json.ok(Map.of("node", id, "labels", result.labels()))
                : Json.error(StatusCodes.INTERNAL_SERVER_ERROR, "storage", result.error()))));
  }

  private CompletionStage<HttpResponse> withAgent(
      String id, java.util.function.Function<ActorRef<NodeAgent.Command>, CompletionStage<HttpResponse>> action) {
    CompletionStage<Membership.Located> located =
        AskPattern.ask(membership, replyTo -> new Membership.LocateNode(id, replyTo), timeout, system.scheduler());
    return located.thenCompose(found -> {
      if (found.node().isEmpty()) {
        return CompletableFuture.completedFuture(Json.error(StatusCodes.NOT_FOUND, "not_found",
            "no node '" + id + "' in the cluster (see GET /hvx/nodes)"));
      }
      if (found.agent().isEmpty()) {
        return CompletableFuture.completedFuture(Json.error(StatusCodes.SERVICE_UNAVAILABLE, "unavailable",
            "node '" + id + "' is a member but its agent is not reachable yet; try again in a few seconds"));
      }
      return action.apply(found.agent().get()).exceptionally(failure -> timeoutOrError(id, failure));
    });
  }

  private HttpResponse timeoutOrError(String id, Throwable failure) {
    Throwable cause = failure instanceof java.util.concurrent.CompletionException ? failure.getCause() : failure;
    if (cause instanceof TimeoutException) {
      return Json.error(StatusCodes.GATEWAY_TIMEOUT, "timeout",
          "node '" + id + "' did not answer within " + timeout.toMillis() + " ms");
    }
    return Json.error(StatusCodes.BAD_GATEWAY, "node_error", "node '" + id + "' failed to answer: " + cause.getMessage());
  }

  private static final class BadRequest extends Exception {
    BadRequest(String message) {
      super(message);
    }
  }

  private static Map<String, String> parseLabels(String body) throws BadRequest {
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(body);
    } catch (JsonProcessingException e) {
      throw new BadRequest("malformed JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject() || !root.path("labels").isObject()) {
      throw new BadRequest("expected a JSON object {\"labels\": {\"name\": \"value\", ...}}");
    }
    Map<String, String> labels = new TreeMap<>();
    Iterator<Map.Entry<String, JsonNode>> fields = root.get("labels").fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (!field.getKey().matches("[A-Za-z0-9][A-Za-z0-9._/-]{0,62}")) {
        throw new BadRequest("label name '" + field.getKey() + "': use 1-63 letters, digits, '.', '_', '/' or '-'");
      }
      if (!field.getValue().isTextual() || field.getValue().asText().length() > 256) {
        throw new BadRequest("label '" + field.getKey() + "': the value must be a string of at most 256 characters");
      }
      labels.put(field.getKey(), field.getValue().asText());
    }
    if (labels.size() > MAX_LABELS) {
      throw new BadRequest("at most " + MAX_LABELS + " labels per node");
    }
    return labels;
  }

  private RejectionHandler rejections() {
    return RejectionHandler.newBuilder()
        .handleAll(MethodRejection.class, rejected -> extractRequest(request -> complete(Json.error(
            StatusCodes.METHOD_NOT_ALLOWED, "method_not_allowed",
            request.method().value() + " is not supported on " + request.getUri().path()))))
        .handleAll(Rejection.class, rejected -> complete(Json.error(StatusCodes.BAD_REQUEST, "bad_request",
            rejected.get(0).toString())))
        .handleNotFound(extractRequest(request -> complete(Json.error(StatusCodes.NOT_FOUND, "not_found",
            "no route " + request.method().value() + " " + request.getUri().path()))))
        .build();
  }

  private ExceptionHandler exceptions() {
    return ExceptionHandler.newBuilder()
        .matchAny(e -> {
          system.log().error("HTTP request failed", e);
          return complete(Json.error(StatusCodes.INTERNAL_SERVER_ERROR, "internal",
              "the node failed to handle the request; its log has the details"));
        })
        .build();
  }
}
