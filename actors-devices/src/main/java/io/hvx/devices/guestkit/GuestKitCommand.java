package io.hvx.devices.guestkit;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code hvx guest-kit [--disk]}: builds the Debian test guest (kernel + busybox initramfs, or a root disk) and prints its paths. */
@Command(name = "guest-kit", mixinStandardHelpOptions = true,
    description = {"Build a test guest from Debian packages: the kernel of linux-image-amd64 and a busybox-static "
        + "initramfs with a shell on the serial console. Packages are downloaded with apt-get (not installed).",
        "With --disk, also a raw disk image holding an ext4 root file system (busybox, init, udhcpc) and an "
            + "initramfs that loads the virtio and ext4 modules and switches to the disk's root.",
        "Prints the kernel and initramfs paths (and the disk's path and kernel command line)."},
    exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:the kit is ready", "1:it could not be built"})
public class GuestKitCommand implements Callable<Integer> {

    @Option(names = "--cache-dir", paramLabel = "DIR",
        description = "where packages and the kit go (default: $HVX_GUEST_KIT_DIR or ~/.cache/hvx/guest-kit)")
    Path cacheDir;

    @Option(names = "--refresh", description = "download and rebuild even when the kit exists")
    boolean refresh;

    @Option(names = "--disk", description = "build the disk variant: root file system on the first virtio-blk disk")
    boolean disk;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path dir = cacheDir != null ? cacheDir : GuestKit.defaultCacheDir();
        try {
            GuestKit guestKit = new GuestKit(dir, System.err);
            if (disk) {
                GuestKit.DiskKit kit = guestKit.buildDisk(refresh);
                out.println("kernel: " + kit.kernel().toAbsolutePath());
                out.println("initrd: " + kit.initrd().toAbsolutePath());
                out.println("disk: " + kit.disk().toAbsolutePath());
                out.println("cmdline: " + GuestKit.DISK_CMDLINE);
                out.flush();
                return afterDisk(kit);
            } else {
                GuestKit.Kit kit = guestKit.build(refresh);
                out.println("kernel: " + kit.kernel().toAbsolutePath());
                out.println("initrd: " + kit.initrd().toAbsolutePath());
            }
            out.flush();
            return 0;
        } catch (GuestKitException e) {
            err.println("hvx guest-kit: " + e.getMessage());
            err.flush();
            return 1;
        }
    }

    protected boolean disk() {
        return disk;
    }

    protected CommandSpec spec() {
        return spec;
    }

    /** Runs after the disk variant is built; the node CLI pushes it into the store here. Returns the exit code. */
    protected int afterDisk(GuestKit.DiskKit kit) {
        return 0;
    }
}
