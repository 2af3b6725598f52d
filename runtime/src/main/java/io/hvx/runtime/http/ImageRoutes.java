package io.hvx.runtime.http;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.image.ImageFormat;
import io.hvx.storage.image.ImageOpener;
import io.hvx.storage.node.NodeStorage;
import io.hvx.storage.store.BadImageNameException;
import io.hvx.storage.store.BlockDeviceInputStream;
import io.hvx.storage.store.GcResult;
import io.hvx.storage.store.ImageExistsException;
import io.hvx.storage.store.ImageStore;
import io.hvx.storage.store.Manifest;
import io.hvx.storage.store.NoSuchImageException;
import io.hvx.storage.store.PushListener;
import io.hvx.storage.store.PushResult;
import io.hvx.storage.store.StoreImage;
import io.hvx.storage.volume.VolumeException;
import io.hvx.storage.volume.VolumeSpec;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.FileIO;
import org.apache.pekko.stream.javadsl.StreamConverters;

/**
 * {@code /hvx/images}: the image store over HTTP (list, show, push by upload, raw download, rm, gc), and
 * {@code /hvx/storage/counters} (cache and NBD counters). Store
 * calls block, so they run on Pekko's blocking dispatcher.
 */
public final class ImageRoutes extends AllDirectives {
  private final ActorSystem<?> system;
  private final NodeStorage storage;
  private final ImageStore store;
  private final Path uploads;
  private final Executor blocking;
  private final Duration defaultGrace;

  public ImageRoutes(ActorSystem<?> system, NodeStorage storage, Path uploads) {
    this.system = system;
    this.storage = storage;
    this.store = storage.store();
    this.uploads = uploads;
    this.defaultGrace = storage.settings().gcGrace();
    this.blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
  }

  public Route routes() {
    return concat(
        path(PathMatchers.segment("storage").slash("counters"), () -> get(() -> answer(this::counters))),
        snapshotRoutes(),
        volumeRoutes(),
        imageRoutes());
  }

  /**
   * {@code /hvx/volumes}: list; {@code POST} a JSON {@code {name, layout, stripeUnit, members}} creates one
   * (kept across restarts, served over NBD by name); {@code GET} and {@code DELETE /hvx/volumes/{name}}.
   */
  private Route volumeRoutes() {
    return pathPrefix("volumes", () -> concat(
        pathEnd(() -> concat(
            get(() -> answer(() -> Map.of("volumes", storage.volumes().list()))),
            post(() -> entity(Unmarshaller.entityToString(), text -> answer(StatusCodes.CREATED,
                () -> storage.volumes().create(volumeSpec(text))))))),
        path(PathMatchers.segment(), name -> concat(
            get(() -> answer(() -> storage.volumes().show(name))),
            delete(() -> answer(() -> {
              storage.volumes().remove(name);
              return Map.of("removed", name, "note", "the members' data was left in place");
            }))))));
  }

  private static VolumeSpec volumeSpec(String text) throws IOException {
    JsonNode json;
    try {
      json = Json.MAPPER.readTree(text);
    } catch (IOException e) {
      throw new IllegalArgumentException("malformed JSON: " + e.getMessage());
    }
    if (json == null || !json.isObject()) {
      throw new IllegalArgumentException("expected a JSON object {name, layout, stripeUnit, members}");
    }
    if (!json.path("name").isTextual()) {
      throw new IllegalArgumentException("'name' must be a string");
    }
    JsonNode members = json.path("members");
    if (!members.isArray()) {
      throw new IllegalArgumentException("'members' must be a list such as [\"file:/mnt/a/v.raw:10GiB\"]");
    }
    List<String> list = new ArrayList<>();
    for (JsonNode m : members) {
      if (!m.isTextual()) {
        throw new IllegalArgumentException("every member must be a string, found " + m);
      }
      list.add(m.asText());
    }
    JsonNode layout = json.get("layout");
    if (layout != null && !layout.isTextual()) {
      throw new IllegalArgumentException("'layout' must be \"concat\" or \"stripe\"");
    }
    return VolumeSpec.of(json.path("name").asText(), layout == null ? null : layout.asText(),
        stripeUnit(json.get("stripeUnit")), list);
  }

  private static Long stripeUnit(JsonNode unit) {
    if (unit == null || unit.isNull()) {
      return null;
    }
    if (unit.canConvertToExactIntegral() && unit.isNumber()) {
      return unit.asLong();
    }
    if (unit.isTextual()) {
      try {
        return com.typesafe.config.ConfigFactory.parseMap(Map.of("u", unit.asText())).getBytes("u");
      } catch (com.typesafe.config.ConfigException e) {
        // reported below
      }
    }
    throw new IllegalArgumentException("'stripeUnit' must be a byte count or a size such as \"64KiB\", found " + unit);
  }

  /**
   * {@code /hvx/snapshots}: list; {@code PUT /hvx/snapshots/{name}?base=IMAGE} creates; {@code DELETE}
   * removes; {@code POST /hvx/snapshots/{name}/commit?name=NEW} pushes it as a new image.
   */
  private Route snapshotRoutes() {
    return pathPrefix("snapshots", () -> concat(
        pathEnd(() -> get(() -> answer(() -> Map.of("snapshots", storage.snapshots().list())))),
        pathPrefix(PathMatchers.segment(), name -> concat(
            pathEnd(() -> concat(
                put(() -> parameter("base", base -> answer(() -> {
                  storage.snapshots().create(name, base, store);
                  return Map.of("snapshot", name, "base", base);
                }))),
                delete(() -> answer(() -> {
                  storage.snapshots().delete(name);
                  return Map.of("removed", name);
                })))),
            path("commit", () -> post(() -> parameter("name", image -> answer(() ->
                storage.snapshots().commit(name, image, store, storage.imageCache().cache(), PushListener.NONE)))))))));
  }

  private Object counters() {
    Map<String, Object> body = new LinkedHashMap<>(storage.counters());
    body.put("nbdPort", storage.nbdPort());
    return body;
  }

  private Route imageRoutes() {
    return pathPrefix("images", () -> concat(
        pathEnd(() -> get(() -> answer(this::list))),
        path("gc", () -> post(() -> parameterOptional("grace", grace -> gc(grace)))),
        pathPrefix(PathMatchers.segment(), name -> concat(
            pathEnd(() -> concat(
                get(() -> answer(() -> show(name))),
                delete(() -> answer(() -> remove(name))),
                put(() -> withoutSizeLimit(() -> parameterOptional("format", format -> upload(name, format)))))),
            path("data", () -> get(() -> download(name)))))));
  }

  private interface StoreCall {
    Object call() throws Exception;
  }

  private Route answer(StoreCall call) {
    return answer(StatusCodes.OK, call);
  }

  private Route answer(StatusCode status, StoreCall call) {
    return completeWithFuture(CompletableFuture.supplyAsync(() -> {
      try {
        return Json.response(status, call.call());
      } catch (Exception e) {
        return failure(e);
      }
    }, blocking));
  }

  private Object list() throws IOException {
    List<Map<String, Object>> images = new ArrayList<>();
    for (Manifest m : store.list()) {
      images.add(summary(m));
    }
    return Map.of("images", images);
  }

  private Object show(String name) throws IOException {
    return summary(store.manifest(name));
  }

  private static Map<String, Object> summary(Manifest m) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", m.name());
    body.put("size", m.size());
    body.put("chunkSize", m.chunkSize());
    body.put("chunks", m.chunks().length);
    body.put("zeroChunks", m.zeroChunks());
    body.put("distinctChunks", m.distinctChunks().size());
    body.put("created", m.created().toString());
    body.put("parent", m.parent());
    return body;
  }

  private Object remove(String name) throws IOException {
    store.remove(name);
    return Map.of("removed", name);
  }

  private Route gc(Optional<String> graceSeconds) {
    return answer(() -> {
      Duration grace = defaultGrace;
      if (graceSeconds.isPresent()) {
        try {
          grace = Duration.ofSeconds(Long.parseLong(graceSeconds.get()));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("grace must be a whole number of seconds, got '" + graceSeconds.get() + "'");
        }
        if (grace.isNegative()) {
          throw new IllegalArgumentException("grace must be 0 or more seconds");
        }
      }
      GcResult r = store.gc(grace);
      return r;
    });
  }

  private Route upload(String name, Optional<String> format) {
    return extractDataBytes(bytes -> {
      Path temp;
      try {
        Files.createDirectories(uploads);
        temp = Files.createTempFile(uploads, "upload-", ".part");
      } catch (IOException e) {
        return complete(failure(e));
      }
      CompletionStage<HttpResponse> done = bytes.runWith(FileIO.toPath(temp), Materializer.matFromSystem(system))
          .thenApplyAsync(written -> {
            try {
              ImageFormat fmt = format.isPresent() ? ImageFormat.byName(format.get()) : ImageOpener.detect(temp);
              try (BlockDevice source = ImageOpener.open(temp, fmt, true)) {
                PushResult r = store.push(source, name, PushListener.NONE);
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("result", r);
                body.put("zeroRatio", r.zeroRatio());
                body.put("duplicateRatio", r.duplicateRatio());
                return Json.response(StatusCodes.CREATED, body);
              }
            } catch (Exception e) {
              return failure(e);
            } finally {
              try {
                Files.deleteIfExists(temp);
              } catch (IOException e) {
                system.log().warn("could not remove upload {}: {}", temp, e.getMessage());
              }
            }
          }, blocking)
          .exceptionally(e -> failure(e instanceof CompletionException c && c.getCause() instanceof Exception x ? x
              : new IOException("the upload failed: " + e.getMessage())));
      return completeWithFuture(done);
    });
  }

  private Route download(String name) {
    return completeWithFuture(CompletableFuture.supplyAsync(() -> {
      try {
        StoreImage image = store.open(name);
        return HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM, image.size(),
            StreamConverters.fromInputStream(() -> new BlockDeviceInputStream(image), 1 << 20)));
      } catch (Exception e) {
        return failure(e);
      }
    }, blocking));
  }

  private HttpResponse failure(Exception e) {
    return switch (e) {
      case NoSuchImageException n -> Json.error(StatusCodes.NOT_FOUND, "not_found", n.getMessage());
      case io.hvx.storage.snapshot.NoSuchSnapshotException n -> Json.error(StatusCodes.NOT_FOUND, "not_found", n.getMessage());
      case io.hvx.storage.snapshot.SnapshotExistsException x -> Json.error(StatusCodes.CONFLICT, "exists", x.getMessage());
      case ImageExistsException x -> Json.error(StatusCodes.CONFLICT, "exists", x.getMessage());
      case io.hvx.storage.store.PushInProgressException p -> Json.error(StatusCodes.CONFLICT, "busy", p.getMessage());
      case io.hvx.storage.snapshot.SnapshotBusyException b -> Json.error(StatusCodes.CONFLICT, "busy", b.getMessage());
      case VolumeException v -> switch (v.kind()) {
        case BAD -> Json.error(StatusCodes.BAD_REQUEST, "bad_volume", v.getMessage());
        case EXISTS -> Json.error(StatusCodes.CONFLICT, "exists", v.getMessage());
        case MISSING -> Json.error(StatusCodes.NOT_FOUND, "not_found", v.getMessage());
        case BUSY -> Json.error(StatusCodes.CONFLICT, "busy", v.getMessage());
      };
      case BadImageNameException b -> Json.error(StatusCodes.BAD_REQUEST, "bad_request", b.getMessage());
      case IllegalArgumentException b -> Json.error(StatusCodes.BAD_REQUEST, "bad_request", b.getMessage());
      case io.hvx.storage.block.ImageFormatException f -> Json.error(StatusCodes.BAD_REQUEST, "bad_image", f.getMessage());
      case IOException io -> Json.error(StatusCodes.INTERNAL_SERVER_ERROR, "storage", io.getMessage());
      default -> {
        system.log().error("image request failed", e);
        yield Json.error(StatusCodes.INTERNAL_SERVER_ERROR, "internal",
            "the node failed to handle the request; its log has the details");
      }
    };
  }
}
