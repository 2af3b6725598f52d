package io.hvx.runtime.vm;

import java.util.regex.Pattern;

/**
 * One extra disk of a VM definition: {@code volume=NAME} (a logical volume, read-write), {@code image=NAME} (a store
 * image, read-only) or {@code snapshot=NAME} (a snapshot on the node, read-write, held by the VM while it runs).
 */
public record DiskSpec(Kind kind, String name) {
  /** Where the disk's blocks come from. */
  public enum Kind {
    volume,
    image,
    snapshot
  }

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  /** Reads a {@code --disk} value; throws {@link VmSpecException} naming the problem. */
  public static DiskSpec parse(String text) {
    int eq = text == null ? -1 : text.indexOf('=');
    Kind kind = null;
    if (eq > 0) {
      for (Kind k : Kind.values()) {
        if (k.name().equals(text.substring(0, eq))) {
          kind = k;
        }
      }
    }
    if (kind == null || !NAME.matcher(text.substring(eq + 1)).matches()) {
      throw new VmSpecException("disk '" + text + "': use volume=NAME, image=NAME or snapshot=NAME");
    }
    return new DiskSpec(kind, text.substring(eq + 1));
  }
}
