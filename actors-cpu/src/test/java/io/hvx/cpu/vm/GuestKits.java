package io.hvx.cpu.vm;

import io.hvx.devices.guestkit.GuestKit;
import io.hvx.devices.guestkit.GuestKitException;
import org.junit.jupiter.api.Assumptions;

/** The guest kit for VM tests, built or taken from the cache; a test that cannot have it is skipped with the reason. */
final class GuestKits {
    private GuestKits() {
    }

    static GuestKit.Kit buildOrSkip() {
        try {
            return new GuestKit(GuestKit.defaultCacheDir(), System.out).build(false);
        } catch (GuestKitException e) {
            return Assumptions.abort("the guest kit (Debian kernel, busybox-static) cannot be had here: "
                + e.getMessage());
        }
    }
}
