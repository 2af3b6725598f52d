package io.hvx.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;

/** Who this node is and where it keeps its state ({@code hvx.node}). */
public record NodeSettings(
    String name,
    Path dataDir,
    String cloud,
    String region,
    String zone,
    String publicAddress,
    Duration attributesRefresh) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

  static NodeSettings read(SettingsReader node, ClusterSettings cluster) {
    String name = node.optionalString("name");
    if (name.isEmpty()) {
      name = defaultName(cluster.port());
    } else if (!NAME.matcher(name).matches()) {
      throw new SettingsException(
          node.key("name"), "1-63 letters, digits, '.', '_' or '-', starting with a letter or digit", name);
    }
    String publicAddress = node.optionalString("public-address");
    return new NodeSettings(
        name,
        node.path("data-dir"),
        node.nonEmptyString("cloud"),
        node.nonEmptyString("region"),
        node.nonEmptyString("zone"),
        publicAddress.isEmpty() ? cluster.host() : publicAddress,
        node.positiveDuration("attributes-refresh"));
  }

  private static String defaultName(int clusterPort) {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      host = "node";
    }
    String cleaned = host.replaceAll("[^A-Za-z0-9._-]", "-");
    int dot = cleaned.indexOf('.');
    if (dot > 0) {
      cleaned = cleaned.substring(0, dot);
    }
    if (cleaned.isEmpty() || !Character.isLetterOrDigit(cleaned.charAt(0))) {
      cleaned = "node" + cleaned;
    }
    if (cleaned.length() > 50) {
      cleaned = cleaned.substring(0, 50);
    }
    return cleaned + "-" + clusterPort;
  }
}
