package io.hvx.runtime.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.hvx.net.HSwitch;
import io.hvx.net.HSwitchActor;
import io.hvx.net.NetworkRegistry;
import io.hvx.net.logical.DefinitionException;
import io.hvx.net.logical.Lease;
import io.hvx.net.logical.NetworkDefinition;
import io.hvx.net.metrics.Counter;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The hSwitch routes: logical networks (cluster-wide, replicated) under {@code /hvx/networks}, and
 * this node's attachments, tunnels and counters under {@code /hvx/network}.
 */
final class NetworkRoutes extends AllDirectives {
  private final ActorSystem<?> system;
  private final ActorRef<NetworkRegistry.Command> registry;
  private final ActorRef<HSwitchActor.Command> hswitchActor;
  private final HSwitch hswitch;
  private final String nodeId;
  private final Duration timeout;

  NetworkRoutes(ActorSystem<?> system, ActorRef<NetworkRegistry.Command> registry,
      ActorRef<HSwitchActor.Command> hswitchActor, HSwitch hswitch, String nodeId, Duration timeout) {
    this.system = system;
    this.registry = registry;
    this.hswitchActor = hswitchActor;
    this.hswitch = hswitch;
    this.nodeId = nodeId;
    this.timeout = timeout;
  }

  Route routes() {
    if (registry == null) {
      HttpResponse off = Json.error(StatusCodes.SERVICE_UNAVAILABLE, "unavailable",
          "the hSwitch is off on node '" + nodeId + "' (hvx.network.enabled = off)");
      return concat(pathPrefix("networks", () -> complete(off)), pathPrefix("network", () -> complete(off)));
    }
    return concat(
        pathPrefix("networks", () -> concat(
            pathEnd(() -> concat(get(this::listNetworks), post(() -> body(this::createNetwork)))),
            pathPrefix(PathMatchers.segment(), name -> concat(
                pathEnd(() -> concat(get(() -> showNetwork(name)), delete(() -> deleteNetwork(name)))),
                pathPrefix("subnets", () -> concat(
                    pathEnd(() -> post(() -> body(json -> change(name, false, current -> existing(name, current)
                        .withSubnet(text(json, "cidr", true), text(json, "gateway", false),
                            text(json, "dhcpFirst", false), text(json, "dhcpLast", false)))))),
                    // DELETE .../subnets/10.0.1.0/24, or with the slash encoded as one segment.
                    path(PathMatchers.segment().slash(PathMatchers.segment()), (base, prefix) -> delete(() ->
                        change(name, false, current -> existing(name, current).withoutSubnet(base + "/" + prefix)))),
                    path(PathMatchers.segment(), cidr -> delete(() ->
                        change(name, false, current -> existing(name, current).withoutSubnet(cidr)))))),
                pathPrefix("reservations", () -> concat(
                    pathEnd(() -> post(() -> body(json -> change(name, false, current -> existing(name, current)
                        .withReservation(text(json, "mac", true), text(json, "address", true),
                            text(json, "hostname", false)))))),
                    path(PathMatchers.segment(), mac -> delete(() ->
                        change(name, false, current -> existing(name, current).withoutReservation(mac)))))),
                pathPrefix("records", () -> concat(
                    pathEnd(() -> post(() -> body(json -> change(name, false, current -> existing(name, current)
                        .withRecord(text(json, "name", true), text(json, "address", true)))))),
                    path(PathMatchers.segment(), host -> delete(() ->
                        change(name, false, current -> existing(name, current).withoutRecord(host)))))),
                pathPrefix("attachments", () -> concat(
                    pathEnd(() -> post(() -> body(json -> attach(name, json)))),
                    path(PathMatchers.segment(), tap -> delete(() -> detach(tap))))))))),
        pathPrefix("network", () -> concat(
            path("ports", () -> get(this::ports)),
            path("counters", () -> get(this::counters)))));
  }

  private Route body(Function<JsonNode, Route> inner) {
    return entity(Unmarshaller.entityToString(), text -> {
      JsonNode json;
      try {
        json = Json.MAPPER.readTree(text);
      } catch (JsonProcessingException e) {
        return complete(Json.error(StatusCodes.BAD_REQUEST, "bad_request", "malformed JSON: " + e.getOriginalMessage()));
      }
      if (json == null || !json.isObject()) {
        return complete(Json.error(StatusCodes.BAD_REQUEST, "bad_request", "expected a JSON object"));
      }
      try {
        return inner.apply(json);
      } catch (DefinitionException e) {
        return complete(Json.error(StatusCodes.BAD_REQUEST, "bad_definition", e.getMessage()));
      }
    });
  }

  private static String text(JsonNode json, String field, boolean required) {
    JsonNode value = json.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        throw new DefinitionException("missing field '" + field + "'");
      }
      return "";
    }
    if (!value.isTextual()) {
      throw new DefinitionException("field '" + field + "' must be a string");
    }
    return value.asText();
  }

  private static NetworkDefinition existing(String name, Optional<NetworkDefinition> current) {
    return current.orElseThrow(() -> new NetworkRegistry.NoSuchNetwork(name));
  }

  private Route createNetwork(JsonNode json) {
    String name = text(json, "name", true);
    JsonNode idNode = json.get("id");
    if (idNode != null && !idNode.isNull() && !idNode.canConvertToInt()) {
      throw new DefinitionException("field 'id' must be an integer (the GRE key)");
    }
    int id = idNode == null || idNode.isNull() ? 0 : idNode.asInt();
    String domain = text(json, "domain", false);
    NetworkDefinition created = NetworkDefinition.create(name, id, domain);
    return change(name, true, current -> {
      if (current.isPresent()) {
        throw new DefinitionException("network '" + name + "' already exists");
      }
      return created;
    });
  }

  private Route deleteNetwork(String name) {
    return change(name, false, current -> {
      existing(name, current);
      return null;
    });
  }

  private Route change(String name, boolean create,
      Function<Optional<NetworkDefinition>, NetworkDefinition> change) {
    CompletionStage<NetworkRegistry.Outcome> outcome = AskPattern.ask(registry,
        replyTo -> new NetworkRegistry.Change(name, change, replyTo), timeout, system.scheduler());
    return completeWithFuture(outcome.thenApply(result -> switch (result) {
      case NetworkRegistry.Changed changed -> changed.definition() == null
          ? Json.ok(Map.of("deleted", name))
          : Json.response(create ? StatusCodes.CREATED : StatusCodes.OK, changed.definition());
      case NetworkRegistry.Refused refused -> refused.notFound()
          ? Json.error(StatusCodes.NOT_FOUND, "not_found", refused.message())
          : Json.error(StatusCodes.BAD_REQUEST, "bad_definition", refused.message());
    }).exceptionally(this::failed));
  }

  private Route listNetworks() {
    return completeWithFuture(networks().thenApply(all -> {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("servedBy", nodeId);
      body.put("networks", all.networks());
      body.put("leases", all.leases());
      return Json.ok(body);
    }).exceptionally(this::failed));
  }

  private Route showNetwork(String name) {
    return completeWithFuture(networks().thenApply(all -> {
      Optional<NetworkDefinition> found = all.networks().stream().filter(n -> n.name().equals(name)).findFirst();
      if (found.isEmpty()) {
        return Json.error(StatusCodes.NOT_FOUND, "not_found", "no network '" + name + "' (see GET /hvx/networks)");
      }
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("network", found.get());
      List<Lease> leases = all.leases().stream().filter(l -> l.networkId() == found.get().id()).toList();
      body.put("leases", leases);
      return Json.ok(body);
    }).exceptionally(this::failed));
  }

  private CompletionStage<NetworkRegistry.Networks> networks() {
    return AskPattern.ask(registry, NetworkRegistry.GetNetworks::new, timeout, system.scheduler());
  }

  private Route attach(String name, JsonNode json) {
    String tap = text(json, "interface", true);
    String namespace = text(json, "namespace", false);
    String address = text(json, "address", false);
    String gateway = text(json, "gateway", false);
    return completeWithFuture(networks().thenCompose(all -> {
      Optional<NetworkDefinition> network = all.networks().stream().filter(n -> n.name().equals(name)).findFirst();
      if (network.isEmpty()) {
        return java.util.concurrent.CompletableFuture.completedFuture(Json.error(StatusCodes.NOT_FOUND, "not_found",
            "no network '" + name + "' (see GET /hvx/networks)"));
      }
      CompletionStage<HSwitchActor.AttachResult> result = AskPattern.ask(hswitchActor,
          replyTo -> new HSwitchActor.AttachInterface(network.get().id(), name, tap, namespace, address, gateway, replyTo),
          timeout, system.scheduler());
      return result.thenApply(outcome -> switch (outcome) {
        case HSwitchActor.Attached attached -> Json.response(StatusCodes.CREATED, Map.of("node", nodeId, "network", name,
            "port", attached.portId(), "interface", attached.interfaceName(), "namespace", namespace));
        case HSwitchActor.AttachFailed failed -> Json.error(StatusCodes.BAD_REQUEST, "attach_failed", failed.reason());
        case HSwitchActor.DeviceAttached device -> Json.error(StatusCodes.INTERNAL_SERVER_ERROR, "internal",
            "unexpected answer");
      });
    }).exceptionally(this::failed));
  }

  private Route detach(String tap) {
    CompletionStage<HSwitchActor.Detached> result = AskPattern.ask(hswitchActor,
        replyTo -> new HSwitchActor.DetachInterface(tap, replyTo), timeout, system.scheduler());
    return completeWithFuture(result.thenApply(detached -> detached.found()
        ? Json.ok(Map.of("node", nodeId, "detached", tap))
        : Json.error(StatusCodes.NOT_FOUND, "not_found", "no interface '" + tap + "' is attached on node '" + nodeId
            + "' (see GET /hvx/network/ports)")).exceptionally(this::failed));
  }

  private Route ports() {
    CompletionStage<HSwitchActor.Ports> result =
        AskPattern.ask(hswitchActor, HSwitchActor.ListPorts::new, timeout, system.scheduler());
    return completeWithFuture(result.thenApply(ports -> {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("node", nodeId);
      body.put("overlayId", ports.nodeId());
      body.put("endpoint", ports.endpoint());
      body.put("ports", ports.ports());
      body.put("peers", ports.peers());
      return Json.ok(body);
    }).exceptionally(this::failed));
  }

  private Route counters() {
    Map<String, Object> values = new LinkedHashMap<>();
    hswitch.counters().snapshot().forEach((Counter counter, Long value) -> values.put(counter.name(), value));
    return complete(Json.ok(Map.of("node", nodeId, "counters", values)));
  }

  private HttpResponse failed(Throwable failure) {
    Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
    if (cause instanceof TimeoutException) {
      return Json.error(StatusCodes.GATEWAY_TIMEOUT, "timeout", "the node's network actors did not answer within "
          + timeout.toMillis() + " ms");
    }
    return Json.error(StatusCodes.INTERNAL_SERVER_ERROR, "internal", "the network request failed: " + cause.getMessage());
  }
}
