package io.hvx.storage.cli;

import io.hvx.storage.block.ImageFormatException;
import java.util.LinkedHashMap;
import java.util.Map;

/** Parses qemu-img's `-o key=value,key=value` option strings. */
final class Options {
    private Options() {}

    static Map<String, String> parse(String text) throws ImageFormatException {
        Map<String, String> map = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return map;
        }
        for (String part : text.split(",")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw new ImageFormatException("invalid option '" + part + "': expected key=value");
            }
            map.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
        }
        return map;
    }
}
