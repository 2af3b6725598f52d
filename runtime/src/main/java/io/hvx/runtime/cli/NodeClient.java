package io.hvx.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.hvx.runtime.http.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongConsumer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.CompletionException;

/** The CLI's HTTP client for one node; turns every failure into a {@link CliException}. */
final class NodeClient {
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String url;
  private final String token;

  NodeClient(String url, String token) {
    this.url = url;
    this.token = token;
  }

  JsonNode get(String path) {
    return send(request(path).GET().build());
  }

  JsonNode put(String path, Object body) {
    try {
      byte[] json = Json.MAPPER.writeValueAsBytes(body);
      return send(request(path).header("Content-Type", "application/json")
          .PUT(HttpRequest.BodyPublishers.ofByteArray(json)).build());
    } catch (IOException e) {
      throw new CliException(ExitCodes.FAILED, "cannot encode the request: " + e.getMessage());
    }
  }

  JsonNode post(String path, Object body) {
    return post(path, body, REQUEST_TIMEOUT);
  }

  /** A POST that may take longer than most (creating a VM may first build the guest kit). */
  JsonNode post(String path, Object body, Duration timeout) {
    try {
      byte[] json = Json.MAPPER.writeValueAsBytes(body);
      return send(request(path).timeout(timeout).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(json)).build());
    } catch (IOException e) {
      throw new CliException(ExitCodes.FAILED, "cannot encode the request: " + e.getMessage());
    }
  }

  JsonNode delete(String path) {
    return send(request(path).DELETE().build());
  }

  /** The node's URL, e.g. to tell whether it runs on this machine. */
  String url() {
    return url;
  }

  JsonNode postEmpty(String path) {
    return send(request(path).POST(HttpRequest.BodyPublishers.noBody()).build());
  }

  /** PUTs the file's bytes, telling sent how many have gone; no time limit, as images can be large. */
  JsonNode upload(String path, Path file, LongConsumer sent) {
    long size;
    try {
      size = Files.size(file);
    } catch (IOException e) {
      throw new CliException(ExitCodes.FAILED, "cannot read " + file + ": " + e.getMessage());
    }
    HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(
        () -> {
          try {
            return new CountingStream(Files.newInputStream(file), sent);
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }), size);
    return send(request(path).timeout(Duration.ofDays(1)).header("Content-Type", "application/octet-stream")
        .PUT(body).build());
  }

  /**
   * GETs a body into target: the bytes go to a temporary name beside it that is renamed onto target only
   * when all have arrived, so a failed or interrupted download leaves no partial file under the final name.
   */
  void download(String path, Path target, LongConsumer received, java.util.function.LongConsumer total) {
    HttpResponse<InputStream> response;
    try {
      response = http.send(request(path).timeout(Duration.ofDays(1)).GET().build(),
          HttpResponse.BodyHandlers.ofInputStream());
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.FAILED, "interrupted");
    }
    if (response.statusCode() != 200) {
      try (InputStream in = response.body()) {
        check(response.statusCode(), new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw unreachable(e);
      }
    }
    total.accept(response.headers().firstValueAsLong("Content-Length").orElse(-1));
    io.hvx.storage.image.OutputFile out = new io.hvx.storage.image.OutputFile(target);
    try (InputStream in = new CountingStream(response.body(), received)) {
      Files.copy(in, out.temp(), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      out.commit();
    } catch (IOException e) {
      out.abandon();
      throw new CliException(ExitCodes.FAILED, "the download of " + target + " failed, nothing was written there: "
          + e.getMessage());
    }
  }

  private CliException unreachable(IOException e) {
    return new CliException(ExitCodes.UNREACHABLE, "no answer from " + url + " ("
        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
        + "): is the node running and the URL right?");
  }

  /** Counts the bytes read through it. */
  private static final class CountingStream extends java.io.FilterInputStream {
    private final LongConsumer count;
    private long done;

    CountingStream(InputStream in, LongConsumer count) {
      super(in);
      this.count = count;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count.accept(++done);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        done += n;
        count.accept(done);
      }
      return n;
    }
  }

  /** Opens a WebSocket to {@code path} on the node, with the token. */
  WebSocket webSocket(String path, WebSocket.Listener listener) {
    URI uri;
    try {
      uri = URI.create(url.replaceFirst("^http", "ws") + path);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.USAGE, "not a valid node URL: " + url);
    }
    try {
      return http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
          .header("Authorization", "Bearer " + token).buildAsync(uri, listener).join();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof WebSocketHandshakeException refused) {
        int status = refused.getResponse().statusCode();
        String body = String.valueOf(refused.getResponse().body());
        String message;
        try {
          message = Json.MAPPER.readTree(body).path("message").asText("error " + status);
        } catch (IOException notJson) {
          message = "error " + status;
        }
        throw new CliException(status == 401 ? ExitCodes.UNAUTHORIZED : ExitCodes.FAILED, message);
      }
      throw new CliException(ExitCodes.UNREACHABLE, "no WebSocket answer from " + url + " (" + cause + ")");
    }
  }

  private HttpRequest.Builder request(String path) {
    URI uri;
    try {
      uri = URI.create(url + path);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.USAGE, "not a valid node URL: " + url);
    }
    return HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).header("Authorization", "Bearer " + token);
  }

  private JsonNode send(HttpRequest request) {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw unreachable(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.FAILED, "interrupted");
    }
    return check(response.statusCode(), response.body());
  }

  private JsonNode check(int status, String text) {
    JsonNode body;
    try {
      body = Json.MAPPER.readTree(text);
    } catch (IOException e) {
      throw new CliException(ExitCodes.FAILED, url + " answered " + status + " with a body that is not"
          + " JSON: is this an hvx node?");
    }
    if (status == 401) {
      throw new CliException(ExitCodes.UNAUTHORIZED, "the node refused the token: " + body.path("message").asText());
    }
    if (status >= 300) {
      throw new CliException(ExitCodes.FAILED, body.path("message").asText("error " + status));
    }
    return body;
  }
}
