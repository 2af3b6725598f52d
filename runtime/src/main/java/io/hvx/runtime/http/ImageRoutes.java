package io.hvx.runtime.http;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.image.Converter;
import io.hvx.storage.image.ImageCreator;
import io.hvx.storage.image.ImageFormat;
import io.hvx.storage.image.ImageOpener;
import io.hvx.storage.node.NodeStorage;
import io.hvx.storage.store.BadImageNameException;
import io.hvx.storage.store.BlockDeviceInputStream;
import io.hvx.storage.store.GcResult;
import io.hvx.storage.store.ImageExistsException;
import io.hvx.storage.store.ImageName;
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
  private final StorageJobs jobs;

  public ImageRoutes(ActorSystem<?> system, NodeStorage storage, Path uploads) {
    this.system = system;
    this.storage = storage;
    this.store = storage.store();
    this.uploads = uploads;
    this.defaultGrace = storage.settings().gcGrace();
    this.blocking = system.dispatchers().lookup(DispatcherSelector.blocking());
    this.jobs = new StorageJobs(blocking, e -> {
      Problem p = problem(e);
      return Map.of("error", p.code(), "message", p.message());
    });
  }

  public Route routes() {
    return concat(
        path(PathMatchers.segment("storage").slash("counters"), () -> get(() -> answer(this::counters))),
        path(PathMatchers.segment("storage").slash("jobs").slash(PathMatchers.segment()), id -> get(() -> {
          Map<String, Object> job = jobs.view(id);
          return complete(job == null ? Json.error(StatusCodes.NOT_FOUND, "not_found", "no storage job '" + id
              + "' (jobs are kept until 256 newer ones have started)") : Json.ok(job));
        })),
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
            path("commit", () -> post(() -> parameter("name", image -> parameterOptional("wait", wait ->
                background(wait)
                    ? answer(StatusCodes.ACCEPTED, () -> commitJob(name, image))
                    : answer(() -> storage.snapshots().commit(name, image, store, storage.imageCache().cache(),
                        PushListener.NONE))))))))));
  }

  /** True when the client asked not to wait (wait=false): the answer is a job to follow. */
  private static boolean background(Optional<String> wait) {
    if (wait.isEmpty() || wait.get().equals("true")) {
      return false;
    }
    if (wait.get().equals("false")) {
      return true;
    }
    throw new IllegalArgumentException("wait must be true or false, got '" + wait.get() + "'");
  }

  private Object commitJob(String snapshot, String image) throws IOException {
    ImageName.check(image);
    long size = -1;
    for (var info : storage.snapshots().list()) {
      if (info.name().equals(snapshot)) {
        size = store.manifest(info.base()).size();
      }
    }
    if (size < 0) {
      throw new io.hvx.storage.snapshot.NoSuchSnapshotException(snapshot);
    }
    return jobs.start("commit", image, size, progress ->
        storage.snapshots().commit(snapshot, image, store, storage.imageCache().cache(), progress::set));
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
                put(() -> withoutSizeLimit(() -> parameterOptional("format", format ->
                    parameterOptional("wait", wait -> upload(name, format, wait))))))),
            path("push", () -> post(() -> parameter("path", file -> parameterOptional("format", format ->
                answer(StatusCodes.ACCEPTED, () -> pushFromPath(name, file, format)))))),
            path("data", () -> get(() -> parameterOptional("format", format -> download(name, format))))))));
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

  /** A push from a file the node itself can read (the CLI on the node's machine passes the path, not the bytes). */
  private Object pushFromPath(String name, String file, Optional<String> format) throws Exception {
    ImageName.check(name);
    Path path;
    try {
      path = Path.of(file);
    } catch (java.nio.file.InvalidPathException e) {
      throw new IllegalArgumentException("not a path: '" + file + "'");
    }
    if (!path.isAbsolute()) {
      throw new IllegalArgumentException("path must be absolute on the node, got '" + file + "'");
    }
    if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
      throw new IllegalArgumentException("the node cannot read " + file + " (a node on another machine needs the"
          + " file uploaded: PUT /hvx/images/" + name + ")");
    }
    ImageFormat fmt = format.isPresent() ? ImageFormat.byName(format.get()) : ImageOpener.detect(path);
    BlockDevice source = ImageOpener.open(path, fmt, true);
    return jobs.start("push", name, source.size(), progress -> {
      try (source) {
        return pushed(store.push(source, name, progress::set));
      }
    });
  }

  private static Map<String, Object> pushed(PushResult r) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("result", r);
    body.put("zeroRatio", r.zeroRatio());
    body.put("duplicateRatio", r.duplicateRatio());
    return body;
  }

  /** Receives the image into a temporary file, then pushes it (in the background when wait=false). */
  private Route upload(String name, Optional<String> format, Optional<String> wait) {
    boolean background;
    try {
      ImageName.check(name);
      background = background(wait);
    } catch (Exception e) {
      return complete(failure(e));
    }
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
            boolean handedOver = false;
            try {
              ImageFormat fmt = format.isPresent() ? ImageFormat.byName(format.get()) : ImageOpener.detect(temp);
              BlockDevice source = ImageOpener.open(temp, fmt, true);
              StorageJobs.Work push = progress -> {
                try (source) {
                  return pushed(store.push(source, name, progress::set));
                } finally {
                  deleteUpload(temp);
                }
              };
              handedOver = true;
              if (background) {
                return Json.response(StatusCodes.ACCEPTED, jobs.start("push", name, source.size(), push));
              }
              return Json.response(StatusCodes.CREATED, push.run(new java.util.concurrent.atomic.AtomicLong()));
            } catch (Exception e) {
              return failure(e);
            } finally {
              if (!handedOver) {
                deleteUpload(temp);
              }
            }
          }, blocking)
          .exceptionally(e -> {
            deleteUpload(temp);
            return failure(e instanceof CompletionException c && c.getCause() instanceof Exception x ? x
                : new IOException("the upload failed: " + e.getMessage()));
          });
      return completeWithFuture(done);
    });
  }

  private void deleteUpload(Path temp) {
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      system.log().warn("could not remove {}: {}", temp, e.getMessage());
    }
  }

  /**
   * The image's bytes: raw is streamed straight from the store; another format is first written to a
   * temporary file on the node (qcow2, VMDK... need their metadata before the data), streamed, then removed.
   */
  private Route download(String name, Optional<String> format) {
    return completeWithFuture(CompletableFuture.supplyAsync(() -> {
      Path temp = null;
      try {
        ImageFormat fmt = format.isPresent() ? ImageFormat.byName(format.get()) : ImageFormat.RAW;
        StoreImage image = store.open(name);
        if (fmt == ImageFormat.RAW) {
          return HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM,
              image.size(), StreamConverters.fromInputStream(() -> new BlockDeviceInputStream(image), 1 << 20)));
        }
        Files.createDirectories(uploads);
        temp = uploads.resolve("export-" + java.util.UUID.randomUUID() + ".part");
        try (image; BlockDevice target = ImageCreator.create(temp, fmt, image.size(), Map.of())) {
          new Converter().copy(image, target, done -> {});
        }
        Path file = temp;
        return HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.APPLICATION_OCTET_STREAM,
            Files.size(file), FileIO.fromPath(file).mapMaterializedValue(result -> {
              result.whenComplete((r, e) -> deleteUpload(file));
              return result;
            })));
      } catch (Exception e) {
        if (temp != null) {
          deleteUpload(temp);
        }
        return failure(e);
      }
    }, blocking));
  }

  /** The answer to a failed request: status, a stable code, and a message for people. */
  private record Problem(StatusCode status, String code, String message) {}

  private HttpResponse failure(Exception e) {
    Problem p = problem(e);
    return Json.error(p.status(), p.code(), p.message());
  }

  private Problem problem(Exception e) {
    return switch (e) {
      case NoSuchImageException n -> new Problem(StatusCodes.NOT_FOUND, "not_found", n.getMessage());
      case io.hvx.storage.snapshot.NoSuchSnapshotException n -> new Problem(StatusCodes.NOT_FOUND, "not_found", n.getMessage());
      case io.hvx.storage.snapshot.SnapshotExistsException x -> new Problem(StatusCodes.CONFLICT, "exists", x.getMessage());
      case ImageExistsException x -> new Problem(StatusCodes.CONFLICT, "exists", x.getMessage());
      case io.hvx.storage.store.PushInProgressException p -> new Problem(StatusCodes.CONFLICT, "busy", p.getMessage());
      case io.hvx.storage.snapshot.SnapshotBusyException b -> new Problem(StatusCodes.CONFLICT, "busy", b.getMessage());
      case VolumeException v -> switch (v.kind()) {
        case BAD -> new Problem(StatusCodes.BAD_REQUEST, "bad_volume", v.getMessage());
        case EXISTS -> new Problem(StatusCodes.CONFLICT, "exists", v.getMessage());
        case MISSING -> new Problem(StatusCodes.NOT_FOUND, "not_found", v.getMessage());
        case BUSY -> new Problem(StatusCodes.CONFLICT, "busy", v.getMessage());
      };
      case BadImageNameException b -> new Problem(StatusCodes.BAD_REQUEST, "bad_request", b.getMessage());
      case IllegalArgumentException b -> new Problem(StatusCodes.BAD_REQUEST, "bad_request", b.getMessage());
      case io.hvx.storage.block.ImageFormatException f -> new Problem(StatusCodes.BAD_REQUEST, "bad_image", f.getMessage());
      case IOException io -> new Problem(StatusCodes.INTERNAL_SERVER_ERROR, "storage", io.getMessage());
      default -> {
        system.log().error("image request failed", e);
        yield new Problem(StatusCodes.INTERNAL_SERVER_ERROR, "internal",
            "the node failed to handle the request; its log has the details");
      }
    };
  }
}
