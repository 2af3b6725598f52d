package io.hvx.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.hvx.runtime.http.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The CLI's HTTP client for one node; turns every failure into a {@link CliException}. */
final class NodeClient {
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
    try {
      byte[] json = Json.MAPPER.writeValueAsBytes(body);
      return send(request(path).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofByteArray(json)).build());
    } catch (IOException e) {
      throw new CliException(ExitCodes.FAILED, "cannot encode the request: " + e.getMessage());
    }
  }

  JsonNode delete(String path) {
    return send(request(path).DELETE().build());
  }

  private HttpRequest.Builder request(String path) {
    URI uri;
    try {
      uri = URI.create(url + path);
    } catch (IllegalArgumentException e) {
      throw new CliException(ExitCodes.USAGE, "not a valid node URL: " + url);
    }
    return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token);
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
    if (response.statusCode() >= 400) {
      throw new CliException(ExitCodes.FAILED, body.path("message").asText("error " + response.statusCode()));
    }
    return body;
  }
}
