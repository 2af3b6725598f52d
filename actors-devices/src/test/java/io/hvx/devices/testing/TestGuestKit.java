package io.hvx.devices.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hvx.devices.guestkit.GuestKit;
import io.hvx.devices.guestkit.GuestKitException;
import java.io.PrintStream;
import java.io.OutputStream;

/** The Debian guest kit for tests: built once into the user's cache, or the test skips saying why. */
public final class TestGuestKit {

    private static GuestKit.Kit kit;
    private static String failure;

    private TestGuestKit() {
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
