package io.hvx.config.serialization;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import io.hvx.config.SettingsException;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** The registration ids of cluster message classes, read from {@code hvx.serialization.kryo.classes}. */
public record KryoRegistrations(SortedMap<Integer, Class<?>> classesById) {

  static final String PATH = "hvx.serialization.kryo.classes";

  /** Ids below this are the serializer's own (JDK collections, actor references). */
  public static final int FIRST_APPLICATION_ID = 100;

  public static KryoRegistrations from(Config config, ClassLoader loader) {
    SortedMap<Integer, Class<?>> byId = new TreeMap<>();
    Map<Class<?>, Integer> byClass = new HashMap<>();
    if (!config.hasPath(PATH)) {
      return new KryoRegistrations(byId);
    }
    for (Map.Entry<String, ConfigValue> entry : config.getConfig(PATH).root().entrySet()) {
      String key = PATH + "." + entry.getKey();
      int id;
      try {
        id = Integer.parseInt(entry.getKey());
      } catch (NumberFormatException e) {
        throw new SettingsException(key, "an integer registration id as the key", entry.getKey());
      }
      if (id < FIRST_APPLICATION_ID) {
        throw new SettingsException(key, "an id of at least " + FIRST_APPLICATION_ID, id);
      }
      ConfigValue value = entry.getValue();
      if (value.valueType() != ConfigValueType.STRING) {
        throw new SettingsException(key, "a fully qualified class name", value.unwrapped());
      }
      String className = (String) value.unwrapped();
      Class<?> type;
      try {
        type = Class.forName(className, false, loader);
      } catch (ClassNotFoundException e) {
        throw new SettingsException(key, "a class on the classpath", className);
      }
      Integer previous = byClass.put(type, id);
      if (previous != null) {
        throw new SettingsException(key, "each class registered once, but it also has id " + previous, className);
      }
      byId.put(id, type);
    }
    return new KryoRegistrations(byId);
  }
}
