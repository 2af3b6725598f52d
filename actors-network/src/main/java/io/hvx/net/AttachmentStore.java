package io.hvx.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.slf4j.Logger;

/**
 * A node's TAP attachments in its data directory, one per line (tab-separated), so that a restarted
 * node re-creates them: written to a temporary file, then renamed over the old one.
 */
final class AttachmentStore {
  private final Path file;

  AttachmentStore(Path file) {
    this.file = file;
  }

  List<HSwitchActor.PortInfo> load(Logger log) {
    List<HSwitchActor.PortInfo> saved = new ArrayList<>();
    if (file == null || !Files.exists(file)) {
      return saved;
    }
    try {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        String[] f = line.split("\t", -1);
        if (f.length != 8) {
          log.warn("ignoring a malformed line of {}: {}", file, line);
          continue;
        }
        try {
          saved.add(new HSwitchActor.PortInfo(Integer.parseInt(f[0]), Integer.parseInt(f[1]), f[2], f[3], f[4], f[5], f[6],
              f[7]));
        } catch (NumberFormatException e) {
          log.warn("ignoring a malformed line of {}: {}", file, line);
        }
      }
    } catch (IOException e) {
      log.warn("cannot read the attachments in {}: {}", file, e.getMessage());
    }
    return saved;
  }

  void save(Collection<HSwitchActor.PortInfo> attachments, Logger log) {
    if (file == null) {
      return;
    }
    StringBuilder text = new StringBuilder();
    for (HSwitchActor.PortInfo info : attachments) {
      text.append(String.join("\t", Integer.toString(info.portId()), Integer.toString(info.networkId()),
          info.network(), info.interfaceName(), info.mac(), info.namespace(), info.address(), info.gateway()))
          .append('\n');
    }
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    try {
      Files.writeString(temp, text, StandardCharsets.UTF_8);
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      log.warn("cannot save the attachments to {}: {}", file, e.getMessage());
    }
  }
}
