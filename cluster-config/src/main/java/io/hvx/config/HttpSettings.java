package io.hvx.config;

import java.nio.file.Path;
import java.time.Duration;

/** The node's HTTP endpoint ({@code hvx.http}): hvx routes and Pekko Management behind one token. */
public record HttpSettings(String host, int port, Path tokenFile, Duration requestTimeout) {

  static HttpSettings read(SettingsReader http, Path dataDir) {
    String tokenFile = http.optionalString("token-file");
    return new HttpSettings(
        http.nonEmptyString("host"),
        http.port("port"),
        tokenFile.isEmpty() ? dataDir.resolve("token") : http.path("token-file"),
        http.positiveDuration("request-timeout"));
  }
}
