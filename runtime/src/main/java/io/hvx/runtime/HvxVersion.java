package io.hvx.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version of hvx this build is, read from the build's own resource. */
public final class HvxVersion {
  private static final String VERSION = read();

  private HvxVersion() {}

  public static String get() {
    return VERSION;
  }

  private static String read() {
    try (InputStream in = HvxVersion.class.getResourceAsStream("/hvx-version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
