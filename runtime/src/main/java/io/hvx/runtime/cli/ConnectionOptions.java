package io.hvx.runtime.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the CLI finds a node: flags first, then HVX_* variables, then the local node's data directory. */
final class ConnectionOptions {
  @Option(names = "--url", defaultValue = "${env:HVX_URL}", paramLabel = "URL",
      description = "Node HTTP endpoint, e.g. http://10.0.0.5:8558 (env HVX_URL; default: the local node's).")
  String url;

  @Option(names = "--token", defaultValue = "${env:HVX_TOKEN}", paramLabel = "TOKEN",
      description = "Bearer token (env HVX_TOKEN; default: read from --token-file).")
  String token;

  @Option(names = "--token-file", defaultValue = "${env:HVX_TOKEN_FILE}", paramLabel = "FILE",
      description = "File holding the token (env HVX_TOKEN_FILE; default: DATA_DIR/token).")
  Path tokenFile;

  @Option(names = "--data-dir", defaultValue = "${env:HVX_DATA_DIR}", paramLabel = "DIR",
      description = "Data directory of the local node (env HVX_DATA_DIR; default: ~/.hvx).")
  Path dataDir;

  NodeClient client() {
    return new NodeClient(resolveUrl(), resolveToken());
  }

  private Path dataDir() {
    return dataDir != null ? dataDir : Path.of(System.getProperty("user.home"), ".hvx");
  }

  private String resolveUrl() {
    if (url != null && !url.isBlank()) {
      return stripSlash(url.trim());
    }
    Path endpoint = dataDir().resolve("endpoint");
    try {
      return stripSlash(Files.readString(endpoint, StandardCharsets.UTF_8).trim());
    } catch (IOException e) {
      throw new CliException(ExitCodes.UNREACHABLE, "no node to talk to: " + endpoint + " does not exist; pass --url"
          + " (or HVX_URL), or start a node here with 'hvx node start'");
    }
  }

  private String resolveToken() {
    if (token != null && !token.isBlank()) {
      return token.trim();
    }
    Path file = tokenFile != null ? tokenFile : dataDir().resolve("token");
    try {
      return Files.readString(file, StandardCharsets.UTF_8).trim();
    } catch (IOException e) {
      throw new CliException(ExitCodes.UNAUTHORIZED, "cannot read the token from " + file + ": pass --token or"
          + " --token-file (the node writes its token to DATA_DIR/token at first start)");
    }
  }

  private static String stripSlash(String value) {
    return value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
  }
}
