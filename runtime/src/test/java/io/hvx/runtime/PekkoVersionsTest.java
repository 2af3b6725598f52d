package io.hvx.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.util.Enumeration;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/** Guards the one deliberate version mix (pekko-discovery) against accidental others. */
class PekkoVersionsTest {

  @Test
  void every_pekko_core_module_has_the_same_version_except_discovery() throws IOException {
    Map<String, String> versions = new TreeMap<>();
    Enumeration<URL> manifests = getClass().getClassLoader().getResources("META-INF/MANIFEST.MF");
    while (manifests.hasMoreElements()) {
      URL url = manifests.nextElement();
      if (!url.toString().contains("/org/apache/pekko/pekko-") || url.toString().contains("pekko-http")
          || url.toString().contains("pekko-management") || url.toString().contains("pekko-parsing")) {
        continue;
      }
      try (InputStream in = url.openStream()) {
        Manifest manifest = new Manifest(in);
        String title = manifest.getMainAttributes().getValue("Implementation-Title");
        String version = manifest.getMainAttributes().getValue("Implementation-Version");
        if (title != null && version != null && !title.contains("discovery")) {
          versions.put(title, version);
        }
      }
    }
    assertTrue(versions.size() >= 8, "found too few Pekko modules to check: " + versions);
    String expected = versions.get("pekko-actor");
    versions.forEach((module, version) -> assertEquals(expected, version, module + " differs from pekko-actor"));
  }
}
