package io.hvx.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.hvx.runtime.http.Json;
import java.io.IOException;
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
      throw new CliException(ExitCodes.UNREACHABLE, "no answer from " + url + " ("
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
          + "): is the node running and the URL right?");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException(ExitCodes.FAILED, "interrupted");
    }
    JsonNode body;
    try {
      body = Json.MAPPER.readTree(response.body());
    } catch (IOException e) {
      throw new CliException(ExitCodes.FAILED, url + " answered " + response.statusCode() + " with a body that is not"
          + " JSON: is this an hvx node?");
    }
    if (response.statusCode() == 401) {
      throw new CliException(ExitCodes.UNAUTHORIZED, "the node refused the token: " + body.path("message").asText());
    }
    if (response.statusCode() >= 300) {
      throw new CliException(ExitCodes.FAILED, body.path("message").asText("error " + response.statusCode()));
    }
    return body;
  }
}
