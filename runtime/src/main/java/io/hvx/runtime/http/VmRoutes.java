package io.hvx.runtime.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.hvx.devices.guestkit.GuestKit;
import io.hvx.devices.guestkit.GuestKitException;
import io.hvx.runtime.vm.ConsoleRing;
import io.hvx.runtime.vm.GuestKitFiles;
import io.hvx.runtime.vm.VmConsole;
import io.hvx.runtime.vm.VmManager;
import io.hvx.runtime.vm.VmReply;
import io.hvx.runtime.vm.VmSpec;
import io.hvx.runtime.vm.VmSpecException;
import io.hvx.runtime.vm.VmSummary;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.model.ws.BinaryMessage;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The VM routes under {@code /hvx/vms}: define, list, show, start, pause, resume, stop and delete VMs, and each
 * VM's serial console as a WebSocket (binary frames out, text or binary frames in).
 */
final class VmRoutes extends AllDirectives {
  private static final Set<String> FIELDS = Set.of("name", "vcpus", "memory", "kernel", "initrd", "cmdline", "disks",
      "nics", "image", "start");
  /** Building the guest kit downloads Debian packages: a create that needs it may take minutes. */
  private static final Duration CREATE_TIMEOUT = Duration.ofMinutes(30);
  private static final long MAX_INPUT_MESSAGE = 64 * 1024;

  private final ActorSystem<?> system;
  private final ActorRef<VmManager.Command> vms;
  private final String nodeId;
  private final Duration timeout;
  private final Executor blocking;
  private final Materializer materializer;

  VmRoutes(ActorSystem<?> system, ActorRef<VmManager.Command> vms, String nodeId, Duration timeout) {
    this.system = system;
    this.vms = vms;
    this.nodeId = nodeId;
    this.timeout = timeout;
    this.blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    this.materializer = Materializer.matFromSystem(system);
  }

  Route routes() {
    return pathPrefix("vms", () -> concat(
        pathEnd(() -> concat(
            get(this::list),
            post(() -> withRequestTimeout(CREATE_TIMEOUT, () -> entity(Unmarshaller.entityToString(), this::create))))),
        pathPrefix(PathMatchers.segment(), vm -> concat(
            pathEnd(() -> concat(
                get(() -> answer(ask(replyTo -> new VmManager.Show(vm, replyTo)), false)),
                delete(() -> answer(ask(replyTo -> new VmManager.Delete(vm, replyTo)), false)))),
            path("console", () -> console(vm)),
            path("commit", () -> post(() -> withRequestTimeout(CREATE_TIMEOUT, () -> parameterOptional("name",
                image -> image.isEmpty()
                    ? complete(Json.error(StatusCodes.BAD_REQUEST, "bad_request", "name the new image:"
                        + " POST /hvx/vms/" + vm + "/commit?name=NEW"))
                    : answer(AskPattern.ask(vms, replyTo -> new VmManager.Commit(vm, image.get(), replyTo),
                        CREATE_TIMEOUT, system.scheduler()), true, CREATE_TIMEOUT))))),
            path(PathMatchers.segment(), action -> post(() -> act(vm, action)))))));
  }

  private Route list() {
    CompletionStage<List<VmSummary>> all = AskPattern.ask(vms, VmManager.ListVms::new, timeout, system.scheduler());
    return completeWithFuture(all.thenApply(list -> {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("servedBy", nodeId);
      body.put("vms", list);
      return Json.ok(body);
    }).exceptionally(failure -> failed(failure, timeout)));
  }

  private Route act(String vm, String action) {
    VmManager.Action parsed;
    try {
      parsed = VmManager.Action.valueOf(action);
    } catch (IllegalArgumentException e) {
      return complete(Json.error(StatusCodes.NOT_FOUND, "not_found", "no action '" + action
          + "' on a VM: use start, pause, resume or stop"));
    }
    return answer(ask(replyTo -> new VmManager.Act(vm, parsed, replyTo)), false);
  }

  private Route create(String text) {
    VmSpec spec;
    boolean start;
    try {
      JsonNode json = Json.MAPPER.readTree(text);
      if (json == null || !json.isObject()) {
        throw new VmSpecException("expected a JSON object such as {\"name\": \"web-1\", \"vcpus\": 2, \"memory\": 256}");
      }
      spec = parse(json).validate();
      start = json.path("start").asBoolean(false);
    } catch (JsonProcessingException e) {
      return complete(Json.error(StatusCodes.BAD_REQUEST, "bad_request", "malformed JSON: " + e.getOriginalMessage()));
    } catch (VmSpecException e) {
      return complete(Json.error(StatusCodes.BAD_REQUEST, "bad_definition", e.getMessage()));
    }
    CompletionStage<VmSpec> withFiles = spec.kernel() != null ? CompletableFuture.completedFuture(spec)
        : CompletableFuture.supplyAsync(() -> {
          try {
            if (spec.image() != null) {
              GuestKit.DiskKit disk = GuestKitFiles.requireDisk(System.out);
              return spec.withBootFiles(disk.kernel(), disk.initrd());
            }
            GuestKit.Kit kit = GuestKitFiles.require(System.out);
            return spec.withBootFiles(kit.kernel(), kit.initrd());
          } catch (GuestKitException e) {
            throw new VmSpecException("no kernel given and the node's guest kit cannot be built: " + e.getMessage()
                + " (give kernel and initrd paths, or run 'hvx guest-kit' on the node)");
          }
        }, blocking);
    // Making the root disk reads the image's manifest from the store, and --start builds the machine: on a
    // busy node that takes longer than a plain request's limit, so the ask gets the route's own limit.
    CompletionStage<VmReply> created = withFiles.thenCompose(files -> AskPattern.<VmManager.Command, VmReply>ask(vms,
        replyTo -> new VmManager.Create(files, start, replyTo), CREATE_TIMEOUT, system.scheduler()));
    return answer(created, true, CREATE_TIMEOUT);
  }

  /** Reads the definition; unknown fields are refused so that a misspelt option is not silently ignored. */
  static VmSpec parse(JsonNode json) {
    List<String> unknown = new ArrayList<>();
    json.fieldNames().forEachRemaining(field -> {
      if (!FIELDS.contains(field)) {
        unknown.add(field);
      }
    });
    if (!unknown.isEmpty()) {
      throw new VmSpecException("unknown field(s) " + unknown + ": a VM takes " + FIELDS);
    }
    String name = text(json, "name");
    int vcpus = VmSpec.DEFAULT_VCPUS;
    if (json.hasNonNull("vcpus")) {
      if (!json.get("vcpus").canConvertToInt()) {
        throw new VmSpecException("field 'vcpus' must be an integer");
      }
      vcpus = json.get("vcpus").asInt();
    }
    long memory = json.hasNonNull("memory") ? MemorySize.parse(json.get("memory")) : VmSpec.DEFAULT_MEMORY;
    return new VmSpec(name, vcpus, memory, path(json, "kernel"), path(json, "initrd"), text(json, "cmdline"),
        strings(json, "disks"), strings(json, "nics"), text(json, "image"));
  }

  private static String text(JsonNode json, String field) {
    JsonNode value = json.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw new VmSpecException("field '" + field + "' must be a string");
    }
    return value.asText();
  }

  private static Path path(JsonNode json, String field) {
    String value = text(json, field);
    if (value == null || value.isEmpty()) {
      return null;
    }
    try {
      return Path.of(value);
    } catch (InvalidPathException e) {
      throw new VmSpecException("field '" + field + "' is not a valid path: " + e.getMessage());
    }
  }

  private static List<String> strings(JsonNode json, String field) {
    JsonNode value = json.get(field);
    if (value == null || value.isNull()) {
      return List.of();
    }
    if (!value.isArray()) {
      throw new VmSpecException("field '" + field + "' must be an array of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode item : value) {
      if (!item.isTextual()) {
        throw new VmSpecException("field '" + field + "' must be an array of strings");
      }
      out.add(item.asText());
    }
    return out;
  }

  private Route console(String vm) {
    CompletionStage<VmManager.ConsoleFound> found =
        AskPattern.ask(vms, replyTo -> new VmManager.Console(vm, replyTo), timeout, system.scheduler());
    return onSuccess(found, answer -> answer.console() == null
        ? extractRequest(request -> complete(rejected(answer.refusal(), request.getUri().path())))
        : optionalHeaderValueByName("Upgrade", upgrade -> upgrade.filter("websocket"::equalsIgnoreCase).isPresent()
            ? handleWebSocketMessages(consoleFlow(answer.console()))
            : complete(Json.error(StatusCodes.BAD_REQUEST, "not_websocket", "the console is a WebSocket: connect with"
                + " a WebSocket client (hvx vm console " + vm + ")"))));
  }

  /** Output from the ring (recent history first) and input into the UART, one message at a time. */
  private Flow<Message, Message, NotUsed> consoleFlow(VmConsole console) {
    ConsoleRing ring = console.output();
    Source<Message, NotUsed> output = Source.unfoldAsync(ring.oldest(), position -> ring.next(position)
        .thenApply(chunk -> chunk.ended() ? Optional.<Pair<Long, Message>>empty()
            : Optional.of(Pair.create(chunk.next(), (Message) BinaryMessage.create(ByteString.fromArrayUnsafe(
                chunk.bytes()))))));
    Sink<Message, CompletionStage<Done>> input = Flow.<Message>create()
        .mapAsync(1, this::bytes)
        // typing blocks while the guest's UART is full: one message at a time is the backpressure on the client
        .mapAsync(1, bytes -> CompletableFuture.runAsync(() -> type(console, bytes), blocking))
        .toMat(Sink.ignore(), Keep.right());
    return Flow.fromSinkAndSourceCoupled(input, output);
  }

  private CompletionStage<byte[]> bytes(Message message) {
    if (message.isText()) {
      return message.asTextMessage().getStreamedText().limitWeighted(MAX_INPUT_MESSAGE, s -> (long) s.length())
          .runFold("", String::concat, materializer).thenApply(s -> s.getBytes(StandardCharsets.UTF_8));
    }
    return message.asBinaryMessage().getStreamedData().limitWeighted(MAX_INPUT_MESSAGE, b -> (long) b.size())
        .runFold(ByteString.emptyByteString(), ByteString::concat, materializer).thenApply(ByteString::toArray);
  }

  private static void type(VmConsole console, byte[] bytes) {
    try {
      console.type(bytes);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private CompletionStage<VmReply> ask(Function<ActorRef<VmReply>, VmManager.Command> request) {
    return AskPattern.ask(vms, request::apply, timeout, system.scheduler());
  }

  private Route answer(CompletionStage<VmReply> reply, boolean created) {
    return answer(reply, created, timeout);
  }

  private Route answer(CompletionStage<VmReply> reply, boolean created, Duration limit) {
    return extractRequest(request -> completeWithFuture(reply.thenApply(result -> switch (result) {
      case VmReply.Accepted accepted -> Json.response(created ? StatusCodes.CREATED : StatusCodes.OK, accepted.vm());
      case VmReply.Rejected refused -> rejected(refused, request.getUri().path());
    }).exceptionally(failure -> failed(failure, limit))));
  }

  private static HttpResponse rejected(VmReply.Rejected refused, String path) {
    return switch (refused.problem()) {
      case BAD_REQUEST -> Json.error(StatusCodes.BAD_REQUEST, "bad_definition", refused.message());
      case NOT_FOUND -> Json.error(StatusCodes.NOT_FOUND, "not_found", refused.message());
      case CONFLICT -> Json.error(StatusCodes.CONFLICT, "conflict", refused.message());
      case ELSEWHERE -> Json.error(StatusCodes.TEMPORARY_REDIRECT, "elsewhere", refused.message())
          .addHeader(Location.create(refused.elsewhere().nodeUrl() + path));
    };
  }

  private HttpResponse failed(Throwable failure, Duration limit) {
    Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
    if (cause instanceof VmSpecException bad) {
      return Json.error(StatusCodes.BAD_REQUEST, "bad_definition", bad.getMessage());
    }
    if (cause instanceof TimeoutException) {
      return Json.error(StatusCodes.GATEWAY_TIMEOUT, "timeout", "the node's VM actors did not answer within "
          + limit.toMillis() + " ms");
    }
    system.log().error("VM request failed", cause);
    return Json.error(StatusCodes.INTERNAL_SERVER_ERROR, "internal", "the VM request failed: " + cause.getMessage());
  }
}
