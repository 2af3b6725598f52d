package io.hvx.devices.guestkit;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hvx guest-kit}: builds the Debian test guest (kernel + busybox initramfs) and prints its paths. */
@Command(name = "guest-kit", mixinStandardHelpOptions = true,
    description = {"Build a test guest from Debian packages: the kernel of linux-image-amd64 and a busybox-static "
        + "initramfs with a shell on the serial console. Packages are downloaded with apt-get (not installed).",
        "Prints the kernel and initramfs paths."},
    exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:the kit is ready", "1:it could not be built"})
public final class GuestKitCommand implements Callable<Integer> {

    @Option(names = "--cache-dir", paramLabel = "DIR",
        description = "where packages and the kit go (default: $HVX_GUEST_KIT_DIR or ~/.cache/hvx/guest-kit)")
    Path cacheDir;

    @Option(names = "--refresh", description = "download and rebuild even when the kit exists")
    boolean refresh;

    @Override
    public Integer call() {
        Path dir = cacheDir != null ? cacheDir : GuestKit.defaultCacheDir();
        try {
            GuestKit.Kit kit = new GuestKit(dir, System.err).build(refresh);
            System.out.println("kernel: " + kit.kernel().toAbsolutePath());
            System.out.println("initrd: " + kit.initrd().toAbsolutePath());
            return 0;
        } catch (GuestKitException e) {
            System.err.println("hvx guest-kit: " + e.getMessage());
            return 1;
        }
    }
}
