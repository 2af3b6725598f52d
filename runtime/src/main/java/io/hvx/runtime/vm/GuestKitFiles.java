package io.hvx.runtime.vm;

import io.hvx.devices.guestkit.GuestKit;
import io.hvx.devices.guestkit.GuestKitException;
import java.io.PrintStream;

/** The node's guest kit, the default kernel and initramfs of a VM; built on first use, one build at a time. */
public final class GuestKitFiles {
  private GuestKitFiles() {}

  /** The kit from the node's cache, downloading and writing it first (progress on {@code progress}) if missing. */
  public static synchronized GuestKit.Kit require(PrintStream progress) throws GuestKitException {
    return new GuestKit(GuestKit.defaultCacheDir(), progress).build(false);
  }

  /** The kit's disk variant (kernel, disk initramfs, root image), built first if missing. */
  public static synchronized GuestKit.DiskKit requireDisk(PrintStream progress) throws GuestKitException {
    return new GuestKit(GuestKit.defaultCacheDir(), progress).buildDisk(false);
  }
}
