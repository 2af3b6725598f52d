package io.hvx.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Reads typed values from a Config and turns every bad value into a {@link SettingsException} that
 * names the full key.
 */
public final class SettingsReader {
  private final Config config;
  private final String prefix;

  private SettingsReader(Config config, String prefix) {
    this.config = config;
    this.prefix = prefix;
  }

  /** A reader of the section at {@code path}, which must exist and be an object. */
  public static SettingsReader of(Config root, String path) {
    if (!root.hasPath(path)) {
      throw new SettingsException(path, "a configuration section", null);
    }
    if (root.getValue(path).valueType() != ConfigValueType.OBJECT) {
      throw new SettingsException(path, "a configuration section", root.getValue(path).unwrapped());
    }
    return new SettingsReader(root.getConfig(path), path + ".");
  }

  public SettingsReader section(String path) {
    return of(config, path).withPrefix(prefix + path + ".");
  }

  private SettingsReader withPrefix(String newPrefix) {
    return new SettingsReader(config, newPrefix);
  }

  public String key(String path) {
    return prefix + path;
  }

  public boolean has(String path) {
    return config.hasPath(path);
  }

  public String string(String path) {
    try {
      return config.getString(path);
    } catch (ConfigException.Missing e) {
      throw new SettingsException(key(path), "a string", null);
    } catch (ConfigException.WrongType e) {
      throw new SettingsException(key(path), "a string", raw(path));
    }
  }

  /** A string that may be empty in config; empty means "not set". */
  public String optionalString(String path) {
    return has(path) ? string(path).trim() : "";
  }

  public String nonEmptyString(String path) {
    String value = string(path).trim();
    if (value.isEmpty()) {
      throw new SettingsException(key(path), "a non-empty string", value);
    }
    return value;
  }

  public boolean bool(String path) {
    try {
      return config.getBoolean(path);
    } catch (ConfigException.Missing e) {
      throw new SettingsException(key(path), "on or off", null);
    } catch (ConfigException.WrongType e) {
      throw new SettingsException(key(path), "on or off", raw(path));
    }
  }

  public int intInRange(String path, int min, int max) {
    int value;
    try {
      value = config.getInt(path);
    } catch (ConfigException.Missing e) {
      throw new SettingsException(key(path), "an integer from " + min + " to " + max, null);
    } catch (ConfigException.WrongType e) {
      throw new SettingsException(key(path), "an integer from " + min + " to " + max, raw(path));
    }
    if (value < min || value > max) {
      throw new SettingsException(key(path), "an integer from " + min + " to " + max, value);
    }
    return value;
  }

  /** A TCP or UDP port; 0 asks the operating system for a free one. */
  public int port(String path) {
    return intInRange(path, 0, 65535);
  }

  public Duration positiveDuration(String path) {
    Duration value;
    try {
      value = config.getDuration(path);
    } catch (ConfigException.Missing e) {
      throw new SettingsException(key(path), "a duration such as 5s or 200ms", null);
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      throw new SettingsException(key(path), "a duration such as 5s or 200ms", raw(path));
    }
    if (value.isNegative() || value.isZero()) {
      throw new SettingsException(key(path), "a positive duration", config.getString(path));
    }
    return value;
  }

  public long bytes(String path) {
    try {
      return config.getBytes(path);
    } catch (ConfigException.Missing e) {
      throw new SettingsException(key(path), "a size such as 512MiB", null);
    } catch (ConfigException.WrongType | ConfigException.BadValue e) {
      throw new SettingsException(key(path), "a size such as 512MiB", raw(path));
    }
  }

  public List<String> stringList(String path) {
    try {
      List<String> values = new ArrayList<>();
      for (String value : config.getStringList(path)) {
        if (!value.isBlank()) {
          values.add(value.trim());
        }
      }
      return List.copyOf(values);
    } catch (ConfigException.Missing e) {
      throw new SettingsException(key(path), "a list of strings", null);
    } catch (ConfigException.WrongType e) {
      throw new SettingsException(key(path), "a list of strings", raw(path));
    }
  }

  public Path path(String path) {
    String value = nonEmptyString(path);
    try {
      return Path.of(expandHome(value));
    } catch (InvalidPathException e) {
      throw new SettingsException(key(path), "a file system path", value);
    }
  }

  public <E extends Enum<E>> E enumValue(String path, Class<E> type) {
    String value = nonEmptyString(path);
    try {
      return Enum.valueOf(type, value.toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException e) {
      StringBuilder allowed = new StringBuilder("one of");
      for (E constant : type.getEnumConstants()) {
        allowed.append(' ').append(constant.name().toLowerCase(Locale.ROOT).replace('_', '-'));
      }
      throw new SettingsException(key(path), allowed.toString(), value);
    }
  }

  private Object raw(String path) {
    try {
      return config.getValue(path).unwrapped();
    } catch (ConfigException e) {
      return null;
    }
  }

  private static String expandHome(String value) {
    if (value.equals("~") || value.startsWith("~/")) {
      return System.getProperty("user.home") + value.substring(1);
    }
    return value;
  }
}
