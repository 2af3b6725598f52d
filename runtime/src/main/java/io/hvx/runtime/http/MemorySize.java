package io.hvx.runtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.hvx.runtime.vm.VmSpecException;
import java.util.Locale;

/** A VM's memory as users write it: a number of MiB, or a string such as "512M", "512MiB" or "1G". */
public final class MemorySize {
  private MemorySize() {}

  static long parse(JsonNode value) {
    if (value.canConvertToLong() && value.isIntegralNumber()) {
      return mib(value.asLong());
    }
    if (value.isTextual()) {
      return parse(value.asText());
    }
    throw new VmSpecException("field 'memory' must be a number of MiB or a size such as \"512M\" or \"1G\"");
  }

  /** Parses "256", "256M", "256MiB", "1G", "1GiB" (case-insensitive) into bytes. */
  public static long parse(String text) {
    String value = text.trim().toUpperCase(Locale.ROOT).replace("IB", "").replace("B", "");
    long shift = 20;
    if (value.endsWith("G")) {
      shift = 30;
      value = value.substring(0, value.length() - 1);
    } else if (value.endsWith("M")) {
      value = value.substring(0, value.length() - 1);
    }
    try {
      long amount = Long.parseLong(value.trim());
      if (amount <= 0 || amount > (1L << (62 - shift))) {
        throw new NumberFormatException();
      }
      return amount << shift;
    } catch (NumberFormatException e) {
      throw new VmSpecException("memory '" + text + "': give a size such as 256M, 512MiB or 1G");
    }
  }

  private static long mib(long amount) {
    if (amount <= 0 || amount > (1L << 40)) {
      throw new VmSpecException("memory " + amount + " MiB: give a positive size");
    }
    return amount << 20;
  }
}
