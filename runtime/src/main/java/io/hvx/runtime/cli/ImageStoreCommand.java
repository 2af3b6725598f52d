package io.hvx.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.hvx.runtime.http.Json;
import io.hvx.storage.store.PushResult;
import io.hvx.storage.store.cli.ProgressBar;
import io.hvx.storage.store.cli.Report;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code hvx image push|pull|list|show|rm|gc|snapshot|commit} through a node's HTTP endpoint, so only the node
 * needs the store's credentials. The storage module's own commands (store settings, no node) stay in its
 * standalone {@code ImageCommand}, for tools and tests that run without a node.
 */
final class ImageStoreCommand {
  private ImageStoreCommand() {}

  /** The node-backed commands, replacing the direct ones under {@code hvx image}. */
  static final List<Class<?>> COMMANDS = List.of(Push.class, Pull.class, ListImages.class, Show.class, Remove.class,
      Gc.class, Snapshot.class, Commit.class);

  /** Swaps image's store subcommands for the node-backed ones. */
  static void install(CommandLine image) {
    for (Class<?> c : COMMANDS) {
      CommandLine sub = new CommandLine(c);
      image.getCommandSpec().removeSubcommand(sub.getCommandName());
      image.addSubcommand(sub);
    }
  }

  static String path(String image) {
    return "/hvx/images/" + encode(image);
  }

  static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  /** Base of each command: connection flags, the node client, output. */
  abstract static class Base implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConnectionOptions connection;

    abstract void run(NodeClient client, PrintWriter out) throws Exception;

    @Override
    public Integer call() throws Exception {
      PrintWriter out = spec.commandLine().getOut();
      run(connection.client(), out);
      out.flush();
      return ExitCodes.OK;
    }

    /** Follows a node job until it ends, drawing its progress; returns its result or fails with its message. */
    static JsonNode follow(NodeClient client, JsonNode job, ProgressBar bar) throws InterruptedException {
      String id = job.path("job").asText();
      while (true) {
        JsonNode now = client.get("/hvx/storage/jobs/" + encode(id));
        bar.progress(now.path("bytesDone").asLong());
        switch (now.path("state").asText()) {
          case "done" -> {
            bar.done();
            return now.path("result");
          }
          case "failed" -> throw new CliException(ExitCodes.FAILED, now.path("error").path("message").asText("failed"));
          default -> Thread.sleep(200);
        }
      }
    }

    static void printPush(PrintWriter out, JsonNode pushed, long startNanos) throws IOException {
      PushResult r = Json.MAPPER.treeToValue(pushed.has("result") ? pushed.path("result") : pushed, PushResult.class);
      Report.push(out, r, (System.nanoTime() - startNanos) / 1e9);
    }
  }

  @Command(name = "push", mixinStandardHelpOptions = true,
      description = "Store a disk image (raw, qcow2, vmdk, vpc, vhdx, vdi) through the node, chunked and deduplicated."
          + " A node on this machine reads FILE itself; a remote one gets it uploaded.")
  static final class Push extends Base {
    @Parameters(index = "0", paramLabel = "FILE", description = "the disk image to store") Path file;
    @Option(names = "--name", required = true, description = "name of the image in the store") String name;
    @Option(names = "-f", description = "input format (detected when absent)") String format;
    @Option(names = {"-p", "--progress"}, description = "show a progress bar (default when the output is a terminal)")
    boolean progress;
    @Option(names = "--upload", description = "send the file's bytes even when the node runs on this machine")
    boolean upload;

    @Override
    void run(NodeClient client, PrintWriter out) throws Exception {
      push(client, out, file, name, format, upload, progress);
    }

    /** Stores {@code file} as image {@code name}: read by the node when it runs here, else uploaded. */
    static void push(NodeClient client, PrintWriter out, Path file, String name, String format, boolean upload,
        boolean progress) throws Exception {
      if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
        throw new CliException(ExitCodes.FAILED, "could not open '" + file + "': no such readable file");
      }
      long start = System.nanoTime();
      boolean shown = progress || System.console() != null;
      String query = format == null ? "" : "format=" + encode(format) + "&";
      JsonNode job;
      if (!upload && local(client.url())) {
        job = client.postEmpty(path(name) + "/push?" + query + "path=" + encode(file.toAbsolutePath().toString()));
      } else {
        ProgressBar sent = new ProgressBar(out, Files.size(file), shown);
        if (shown) {
          out.println("uploading " + file);
        }
        job = client.upload(path(name) + "?" + query + "wait=false", file, sent::progress);
        sent.done();
      }
      printPush(out, follow(client, job, new ProgressBar(out, job.path("bytesTotal").asLong(), shown)), start);
    }

    /** True when the node's URL names this machine: it can then read the file by its path. */
    static boolean local(String url) {
      try {
        String host = URI.create(url).getHost();
        return host != null && (InetAddress.getByName(host).isLoopbackAddress() || host.equals("localhost"));
      } catch (IOException | IllegalArgumentException e) {
        return false;
      }
    }
  }

  @Command(name = "pull", mixinStandardHelpOptions = true,
      description = "Write a stored image to a file, through the node; the file appears only when complete.")
  static final class Pull extends Base {
    @Parameters(index = "0", paramLabel = "NAME", description = "image in the store") String name;
    @Parameters(index = "1", paramLabel = "FILE", description = "output file") Path file;
    @Option(names = "-O", defaultValue = "raw", description = "output format: raw (default), qcow2, vmdk, vpc, vhdx, vdi")
    String format;
    @Option(names = {"-p", "--progress"}, description = "show a progress bar") boolean progress;

    @Override
    void run(NodeClient client, PrintWriter out) {
      ProgressBar[] bar = new ProgressBar[1];
      client.download(path(name) + "/data?format=" + encode(format), file, done -> {
        if (bar[0] != null) {
          bar[0].progress(done);
        }
      }, total -> bar[0] = new ProgressBar(out, total, progress && total > 0));
      bar[0].done();
      out.println("pulled '" + name + "' to " + file + " (" + format + ")");
    }
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the images in the store.")
  static final class ListImages extends Base {
    @Override
    void run(NodeClient client, PrintWriter out) {
      out.printf("%-32s %12s %10s  %s%n", "NAME", "SIZE", "CHUNKS", "CREATED");
      for (JsonNode m : client.get("/hvx/images").path("images")) {
        out.printf("%-32s %12s %10d  %s%n", m.path("name").asText(), Report.size(m.path("size").asLong()),
            m.path("chunks").asLong(), m.path("created").asText());
      }
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show one stored image.")
  static final class Show extends Base {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Override
    void run(NodeClient client, PrintWriter out) {
      JsonNode m = client.get(path(name));
      out.println("name: " + m.path("name").asText());
      out.println("virtual size: " + Report.size(m.path("size").asLong()) + " (" + m.path("size").asLong() + " bytes)");
      out.println("chunk size: " + m.path("chunkSize").asLong());
      out.println("chunks: " + m.path("chunks").asLong() + " (zero " + m.path("zeroChunks").asLong() + ", distinct "
          + m.path("distinctChunks").asLong() + ")");
      out.println("created: " + m.path("created").asText());
      out.println("parent: " + (m.path("parent").isTextual() ? m.path("parent").asText() : "-"));
    }
  }

  @Command(name = "rm", mixinStandardHelpOptions = true, description = "Remove an image from the store.")
  static final class Remove extends Base {
    @Parameters(index = "0", paramLabel = "NAME") String name;

    @Override
    void run(NodeClient client, PrintWriter out) {
      client.delete(path(name));
      out.println("removed '" + name + "'");
    }
  }

  @Command(name = "gc", mixinStandardHelpOptions = true, description = "Remove chunks no image refers to.")
  static final class Gc extends Base {
    @Option(names = "--grace", paramLabel = "SECONDS",
        description = "keep unreferenced chunks younger than this (default: the node's hvx.storage.store.gc-grace)")
    Long graceSeconds;

    @Override
    void run(NodeClient client, PrintWriter out) {
      if (graceSeconds != null && graceSeconds < 0) {
        throw new CliException(ExitCodes.USAGE, "--grace must be 0 or more seconds");
      }
      JsonNode r = client.postEmpty("/hvx/images/gc" + (graceSeconds == null ? "" : "?grace=" + graceSeconds));
      out.printf("images %d, chunks kept %d, removed %d (%s), unreferenced but too young %d,"
          + " interrupted writes removed %d%n", r.path("images").asInt(), r.path("chunksKept").asLong(),
          r.path("chunksRemoved").asLong(), Report.size(r.path("bytesRemoved").asLong()), r.path("youngKept").asLong(),
          r.path("incompleteRemoved").asInt());
    }
  }

  @Command(name = "snapshot", mixinStandardHelpOptions = true,
      description = "Start a copy-on-write snapshot of a stored image on the node.")
  static final class Snapshot extends Base {
    @Parameters(index = "0", paramLabel = "NAME", description = "name of the new snapshot") String name;
    @Option(names = "--base", required = true, description = "the stored image it starts from") String base;

    @Override
    void run(NodeClient client, PrintWriter out) {
      client.put("/hvx/snapshots/" + encode(name) + "?base=" + encode(base), java.util.Map.of());
      out.println("snapshot '" + name + "' of '" + base + "' created");
    }
  }

  @Command(name = "commit", mixinStandardHelpOptions = true,
      description = "Push a node's snapshot back to the store as a new base image; unchanged chunks are not read"
          + " again. Refused while the snapshot is in use (NBD, a VM, another commit).")
  static final class Commit extends Base {
    @Parameters(index = "0", paramLabel = "SNAPSHOT") String snapshot;
    @Option(names = "--name", required = true, description = "name of the new image") String name;
    @Option(names = {"-p", "--progress"}, description = "show a progress bar") boolean progress;

    @Override
    void run(NodeClient client, PrintWriter out) throws Exception {
      long start = System.nanoTime();
      JsonNode job = client.postEmpty("/hvx/snapshots/" + encode(snapshot) + "/commit?name=" + encode(name)
          + "&wait=false");
      printPush(out, follow(client, job, new ProgressBar(out, job.path("bytesTotal").asLong(), progress)), start);
    }
  }
}
