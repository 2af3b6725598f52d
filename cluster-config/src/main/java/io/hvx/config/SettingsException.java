package io.hvx.config;

/** A setting that is missing or has a value hvx cannot use; the message names the key and what it expects. */
public final class SettingsException extends RuntimeException {
  private final String key;

  public SettingsException(String key, String expected, Object found) {
    super("setting " + key + ": expected " + expected + (found == null ? "" : ", found '" + found + "'"));
    this.key = key;
  }

  /** The full path of the offending setting, e.g. {@code hvx.http.port}. */
  public String key() {
    return key;
  }
}
