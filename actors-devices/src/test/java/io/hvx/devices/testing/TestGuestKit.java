package io.hvx.devices.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hvx.devices.guestkit.GuestKit;
import io.hvx.devices.guestkit.GuestKitException;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** The Debian guest kit for tests: built once into the user's cache, or the test skips saying why. */
public final class TestGuestKit {

    private static GuestKit.Kit kit;
    private static String failure;

    private TestGuestKit() {
    }

    private static GuestKit.DiskKit disk;
    private static String diskFailure;

    /**
     * The disk variant, built once into the user's cache from the kit's packages. It skips where the kit
     * cannot be had or e2fsprogs is missing; any other failure to build it fails the test.
     */
    public static synchronized GuestKit.DiskKit requireDisk() {
        require();
        if (diskFailure != null) {
            fail("the kit's packages are here but the disk kit cannot be built: " + diskFailure);
        }
        if (disk == null) {
            for (String tool : new String[] {"mke2fs", "debugfs", "e2fsck"}) {
                assumeTrue(HostTools.onPath(tool) || Files.isExecutable(Path.of("/usr/sbin", tool)),
                    tool + " not found: install it with `apt-get install -y e2fsprogs`");
            }
            try {
                disk = new GuestKit(GuestKit.defaultCacheDir(), new PrintStream(OutputStream.nullOutputStream())).buildDisk(false);
            } catch (GuestKitException | RuntimeException e) {
                diskFailure = e.toString();
                fail("the kit's packages are here but the disk kit cannot be built: " + diskFailure);
            }
        }
        return disk;
    }

    public static synchronized GuestKit.Kit require() {
        if (kit == null && failure == null) {
            assumeTrue(HostTools.onPath("apt-get") && HostTools.onPath("dpkg-deb"),
                "apt-get and dpkg-deb are needed to fetch the Debian kernel and busybox (not a Debian host?)");
            try {
                kit = new GuestKit(GuestKit.defaultCacheDir(), new PrintStream(OutputStream.nullOutputStream())).build(false);
            } catch (GuestKitException e) {
                failure = e.getMessage();
            }
        }
        assumeTrue(kit != null, () -> "cannot build the guest kit (no apt source or no network?): " + failure);
        return kit;
    }
}
