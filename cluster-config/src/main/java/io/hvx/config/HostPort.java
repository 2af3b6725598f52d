package io.hvx.config;

/** A host and port as written in settings and flags: {@code host:port} or {@code [v6addr]:port}. */
public record HostPort(String host, int port) {

  /** Parses {@code text}; {@code key} names the setting or flag in the error. */
  public static HostPort parse(String key, String text) {
    String value = text.trim();
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new SettingsException(key, "host:port", text);
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    } else if (host.contains(":")) {
      throw new SettingsException(key, "host:port (IPv6 addresses in brackets: [::1]:7355)", text);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new SettingsException(key, "host:port with a numeric port", text);
    }
    if (port < 1 || port > 65535 || host.isBlank()) {
      throw new SettingsException(key, "host:port with a port from 1 to 65535", text);
    }
    return new HostPort(host, port);
  }

  @Override
  public String toString() {
    return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
  }
}
