package io.hvx.devices.guestkit;

import io.hvx.devices.initramfs.CpioWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Builds the test guest from Debian packages alone: the kernel of linux-image-amd64 and an initramfs
 * (written by hvx) holding busybox-static, its applet links and an /init that mounts proc, sys and
 * dev and runs a shell on the serial console. Packages are fetched with {@code apt-get download} and
 * unpacked with {@code dpkg-deb -x} into the cache directory; nothing is installed on the host.
 */
public final class GuestKit {

    /** The prompt the guest's shell prints; tests and benchmarks wait for it. */
    public static final String PROMPT = "hvx-guest# ";
    /** The line /init prints before it starts the shell. */
    public static final String BANNER = "hvx guest kit ready";
    public static final String KERNEL_FILE = "vmlinuz";
    public static final String INITRD_FILE = "initramfs.cpio";

    /**
     * The kernel modules the initramfs carries and /init loads, in dependency order: the virtio core,
     * the virtio-mmio transport (bound through ACPI) and the drivers for the devices hvx will offer.
     */
    static final List<String> MODULES = List.of("virtio_ring", "virtio", "virtio_mmio", "virtio_blk", "failover",
        "net_failover", "virtio_net", "virtio_console", "virtio-rng");
    /** The disk variant's raw image (one ext4 file system, no partition table) and initramfs, in the cache. */
    public static final String DISK_IMAGE_FILE = "disk.img";
    public static final String DISK_INITRD_FILE = "disk-initramfs.cpio";
    /** The disk image's size; the file is sparse, so the unused part takes no room on the host. */
    public static final long DISK_SIZE = 128L << 20;
    /** The prompt of the login shell the disk's init gives on ttyS0. */
    public static final String DISK_PROMPT = "hvx-disk# ";
    /** The line the disk's rcS prints once the host name and network are set up, before the shell. */
    public static final String DISK_BANNER = "hvx disk kit ready";
    /**
     * The kernel command line for the disk kit: the console, and the root device and file system that
     * the disk initramfs mounts (the first virtio-blk disk). Append {@code hvx.hostname=NAME} (see
     * {@link #diskCmdline}) and, for a slow machine, {@code hvx.rootwait=SECONDS} (default 30).
     */
    public static final String DISK_CMDLINE = "console=ttyS0 root=/dev/vda rootfstype=ext4 rw panic=-1";
    /**
     * The modules the disk initramfs loads, with their dependencies from the modules' own metadata:
     * the virtio-mmio transport, the virtio devices and ext4 (with jbd2, mbcache, crc16 and a crc32c).
     */
    static final List<String> DISK_MODULES = List.of("virtio_mmio", "virtio_blk", "virtio_net", "virtio_console",
        "virtio_rng", "ext4");
    static final String DISK_FORMAT = "1";

    /**
     * What the disk-format file must hold for a cached disk kit to be used: {@link #DISK_FORMAT} and a
     * digest of the scripts and settings written into it, so that changing one rebuilds the kit.
     */
    static String diskFormat() {
        String content = String.join("\0", DiskRoot.RCS, DiskRoot.INITTAB, DiskRoot.FSTAB, DiskRoot.PROFILE,
            DiskRoot.UDHCPC_SCRIPT, DiskInitramfs.init(List.of()), Ext4Image.MKE2FS_CONF, String.valueOf(DISK_SIZE),
            String.join(",", DISK_MODULES));
        return DISK_FORMAT + "-" + java.util.HexFormat.of().toHexDigits(content.hashCode());
    }

    /** Bumped whenever the kit's content changes, so an older cached kit is rebuilt. */
    static final String FORMAT = "3";

    static final String INIT = """
        #!/bin/sh
        /bin/busybox mount -t proc proc /proc
        /bin/busybox mount -t sysfs sysfs /sys
        /bin/busybox mount -t devtmpfs devtmpfs /dev
        export PATH=/usr/sbin:/usr/bin:/sbin:/bin
        export PS1='%s'
        echo "%s: Linux $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPUs"
        for m in %s; do
            f=$(find /lib/modules -name "$m.ko" | head -n 1)
            [ -n "$f" ] && insmod "$f" 2>/dev/null
        done
        setsid cttyhack /bin/sh
        poweroff -f
        """.formatted(PROMPT, BANNER, String.join(" ", MODULES));

    /** What {@link #build} produced. */
    public record Kit(Path kernel, Path initrd, String kernelPackage) {
    }

    /** What {@link #buildDisk} produced: the kernel, the disk initramfs and the root disk image. */
    public record DiskKit(Path kernel, Path initrd, Path disk, String kernelPackage) {
    }

    private final Path cacheDir;
    private final PrintStream progress;

    public GuestKit(Path cacheDir, PrintStream progress) {
        this.cacheDir = cacheDir;
        this.progress = progress;
    }

    /** $HVX_GUEST_KIT_DIR, else $XDG_CACHE_HOME/hvx/guest-kit, else ~/.cache/hvx/guest-kit. */
    public static Path defaultCacheDir() {
        String explicit = System.getenv("HVX_GUEST_KIT_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("hvx").resolve("guest-kit");
    }

    /** The kit in the cache, or null when it has not been built there. */
    public Kit existing() {
        Path kernel = cacheDir.resolve(KERNEL_FILE);
        Path initrd = cacheDir.resolve(INITRD_FILE);
        if (Files.isRegularFile(kernel) && Files.isRegularFile(initrd)) {
            try {
                Path format = cacheDir.resolve("kit-format");
                if (!Files.exists(format) || !Files.readString(format).strip().equals(FORMAT)) {
                    return null;
                }
                String name = Files.exists(cacheDir.resolve("kernel-package"))
                    ? Files.readString(cacheDir.resolve("kernel-package")).strip() : "";
                return new Kit(kernel, initrd, name);
            } catch (IOException e) {
                return null;
            }
        }
        return null;
    }

    /** Downloads and unpacks the packages (unless {@code refresh} is false and the kit exists) and writes the kit. */
    public Kit build(boolean refresh) throws GuestKitException {
        Kit kit = existing();
        if (kit != null && !refresh) {
            return kit;
        }
        Unpacked unpacked = download();
        kit = writeKit(unpacked);
        removeUnpacked();
        return kit;
    }

    /**
     * The disk variant (unless {@code refresh} is false and it exists): builds the kit first when it is
     * missing, then writes the disk image and its initramfs from the packages in the cache, downloading
     * them again only when they are gone.
     */
    public DiskKit buildDisk(boolean refresh) throws GuestKitException {
        DiskKit disk = existingDisk();
        if (disk != null && !refresh) {
            return disk;
        }
        Kit kit = existing();
        Unpacked unpacked;
        if (kit == null || refresh) {
            unpacked = download();
            kit = writeKit(unpacked);
        } else {
            unpacked = unpackCached(kit.kernelPackage());
        }
        disk = writeDisk(kit, unpacked);
        removeUnpacked();
        return disk;
    }

    /** The kit's disk image in the cache (raw, one ext4 file system), whether built or not. */
    public Path diskImage() {
        return cacheDir.resolve(DISK_IMAGE_FILE);
    }

    /** The disk kit's initramfs in the cache, whether built or not. */
    public Path diskInitramfs() {
        return cacheDir.resolve(DISK_INITRD_FILE);
    }

    /** The disk kit in the cache, or null when it has not been built there (or by an older hvx). */
    public DiskKit existingDisk() {
        Kit kit = existing();
        if (kit == null || !Files.isRegularFile(diskImage()) || !Files.isRegularFile(diskInitramfs())) {
            return null;
        }
        try {
            Path format = cacheDir.resolve("disk-format");
            return Files.exists(format) && Files.readString(format).strip().equals(diskFormat())
                ? new DiskKit(kit.kernel(), diskInitramfs(), diskImage(), kit.kernelPackage()) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * {@link #DISK_CMDLINE} with the guest's host name, which the disk's rcS sets and sends to the DHCP
     * server; a name that is not a DNS label (letters, digits, dashes, at most 63) is refused.
     */
    public static String diskCmdline(String hostname) {
        if (!hostname.matches("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")) {
            throw new IllegalArgumentException("'%s' is not a host name (letters, digits and inner dashes, at most 63)"
                .formatted(hostname));
        }
        return DISK_CMDLINE + " hvx.hostname=" + hostname;
    }

    /** The unpacked packages: the directory, the kernel package's name, busybox and its applets. */
    private record Unpacked(Path root, String kernelPackage, Path busybox, List<String> applets) {
    }

    private Unpacked download() throws GuestKitException {
        Path debs = prepareDirectories();
        String kernelPackage = kernelPackage();
        progress.println("hvx guest-kit: downloading " + kernelPackage + " and busybox-static into " + debs);
        HostCommand.run(debs, 1800, List.of("apt-get", "download", "-q", kernelPackage, "busybox-static"));
        return unpack(kernelPackage, newest(debs, kernelPackage + "_"), newest(debs, "busybox-static_"));
    }

    /** Unpacks the packages the kit was built from, still in the cache; downloads them when they are gone. */
    private Unpacked unpackCached(String kernelPackage) throws GuestKitException {
        Path debs = prepareDirectories();
        try {
            return unpack(kernelPackage, newest(debs, kernelPackage + "_"), newest(debs, "busybox-static_"));
        } catch (GuestKitException missing) {
            return download();
        }
    }

    private Path prepareDirectories() throws GuestKitException {
        Path debs = cacheDir.resolve("debs");
        try {
            Files.createDirectories(debs);
            removeUnpacked();
            Files.createDirectories(cacheDir.resolve("unpacked"));
        } catch (IOException | GuestKitException e) {
            throw new GuestKitException("cannot create the cache directory %s: %s".formatted(cacheDir,
                e instanceof IOException io ? describe(io) : e.getMessage()));
        }
        return debs;
    }

    private Unpacked unpack(String kernelPackage, Path kernelDeb, Path busyboxDeb) throws GuestKitException {
        Path unpacked = cacheDir.resolve("unpacked");
        progress.println("hvx guest-kit: unpacking " + kernelDeb.getFileName() + " and " + busyboxDeb.getFileName());
        HostCommand.run(kernelDeb.getParent(), 600, List.of("dpkg-deb", "-x", kernelDeb.toString(), unpacked.toString()));
        HostCommand.run(kernelDeb.getParent(), 600, List.of("dpkg-deb", "-x", busyboxDeb.toString(), unpacked.toString()));
        Path busybox = unpacked.resolve("bin/busybox");
        if (!Files.isRegularFile(busybox)) {
            throw new GuestKitException("busybox-static has no bin/busybox: the package layout changed");
        }
        return new Unpacked(unpacked, kernelPackage, busybox, applets(busybox));
    }

    private void removeUnpacked() throws GuestKitException {
        try {
            deleteTree(cacheDir.resolve("unpacked"));
        } catch (IOException e) {
            throw new GuestKitException("cannot remove %s: %s".formatted(cacheDir.resolve("unpacked"), describe(e)));
        }
    }

    private Kit writeKit(Unpacked unpacked) throws GuestKitException {
        Path vmlinuz = newest(unpacked.root().resolve("boot"), "vmlinuz-");
        java.util.Map<String, byte[]> modules = modules(unpacked.root());
        Path kernel = cacheDir.resolve(KERNEL_FILE);
        Path initrd = cacheDir.resolve(INITRD_FILE);
        try {
            Path partKernel = cacheDir.resolve(KERNEL_FILE + ".part");
            Files.copy(vmlinuz, partKernel, StandardCopyOption.REPLACE_EXISTING);
            Files.move(partKernel, kernel, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Path partInitrd = cacheDir.resolve(INITRD_FILE + ".part");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(partInitrd))) {
                writeInitramfs(out, Files.readAllBytes(unpacked.busybox()), unpacked.applets(), modules, INIT);
            }
            Files.move(partInitrd, initrd, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.writeString(cacheDir.resolve("kernel-package"), unpacked.kernelPackage() + "\n");
            Files.writeString(cacheDir.resolve("kit-format"), FORMAT + "\n");
        } catch (IOException e) {
            throw new GuestKitException("cannot write the kit into %s: %s".formatted(cacheDir, describe(e)));
        }
        return new Kit(kernel, initrd, unpacked.kernelPackage());
    }

    private DiskKit writeDisk(Kit kit, Unpacked unpacked) throws GuestKitException {
        KernelModules index = KernelModules.read(unpacked.root());
        List<KernelModules.Load> loads = index.loadOrder(DISK_MODULES);
        java.util.Map<String, byte[]> modules = new java.util.TreeMap<>();
        byte[] busybox;
        try {
            for (KernelModules.Load load : loads) {
                modules.put(load.module().path(), Files.readAllBytes(unpacked.root().resolve(load.module().path())));
            }
            busybox = Files.readAllBytes(unpacked.busybox());
        } catch (IOException e) {
            throw new GuestKitException("cannot read the unpacked packages in %s: %s".formatted(unpacked.root(), describe(e)));
        }
        progress.println("hvx guest-kit: writing the disk image " + diskImage() + " (ext4, " + (DISK_SIZE >> 20) + " MiB)");
        Path partImage = cacheDir.resolve(DISK_IMAGE_FILE + ".part");
        Ext4Image.write(DiskRoot.tree(busybox, unpacked.applets()), partImage, DISK_SIZE, cacheDir);
        try {
            Files.deleteIfExists(cacheDir.resolve("disk-format"));
            Files.move(partImage, diskImage(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Path partInitrd = cacheDir.resolve(DISK_INITRD_FILE + ".part");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(partInitrd))) {
                writeInitramfs(out, busybox, unpacked.applets(), modules, DiskInitramfs.init(loads));
            }
            Files.move(partInitrd, diskInitramfs(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            Files.writeString(cacheDir.resolve("disk-format"), diskFormat() + "\n");
        } catch (IOException e) {
            throw new GuestKitException("cannot write the disk kit into %s: %s".formatted(cacheDir, describe(e)));
        }
        return new DiskKit(kit.kernel(), diskInitramfs(), diskImage(), kit.kernelPackage());
    }

    /**
     * Writes the initramfs: directories, busybox and its applet links, /dev/console, the kernel modules
     * (archive path to contents) and /init.
     */
    public static void writeInitramfs(OutputStream out, byte[] busybox, List<String> applets,
                                      java.util.Map<String, byte[]> modules) throws IOException {
        writeInitramfs(out, busybox, applets, modules, INIT);
    }

    /** As {@link #writeInitramfs(OutputStream, byte[], List, java.util.Map)}, with {@code init} as /init. */
    static void writeInitramfs(OutputStream out, byte[] busybox, List<String> applets,
                               java.util.Map<String, byte[]> modules, String init) throws IOException {
        CpioWriter cpio = new CpioWriter(out, 0);
        TreeSet<String> directories = new TreeSet<>(List.of("bin", "sbin", "usr", "usr/bin", "usr/sbin", "dev",
            "proc", "sys", "tmp", "root", "etc"));
        for (String path : concat(applets, modules.keySet())) {
            for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
                directories.add(path.substring(0, slash));
            }
        }
        for (String directory : directories) {
            cpio.directory(directory, directory.equals("tmp") ? 01777 : 0755);
        }
        cpio.charDevice("dev/console", 0600, 5, 1);
        cpio.file("bin/busybox", 0755, busybox);
        for (String applet : applets) {
            if (!applet.equals("bin/busybox")) {
                cpio.symlink(applet, "/bin/busybox");
            }
        }
        for (var module : modules.entrySet()) {
            cpio.file(module.getKey(), 0644, module.getValue());
        }
        cpio.file("etc/passwd", 0644, "root:x:0:0:root:/root:/bin/sh\n".getBytes(StandardCharsets.US_ASCII));
        cpio.file("init", 0755, init.getBytes(StandardCharsets.US_ASCII));
        cpio.finish();
    }

    /** An I/O failure in words: file-system exceptions carry only the path as their message. */
    static String describe(IOException e) {
        if (e instanceof java.nio.file.FileSystemException fs) {
            String reason = fs.getReason() != null ? fs.getReason()
                : e.getClass().getSimpleName().replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase();
            return fs.getOtherFile() == null ? reason : reason + " (" + fs.getOtherFile() + ")";
        }
        return String.valueOf(e.getMessage());
    }

    private static List<String> concat(List<String> a, java.util.Collection<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** The {@link #MODULES} found under the unpacked kernel package's lib/modules/VERSION/kernel. */
    private static java.util.Map<String, byte[]> modules(Path unpacked) throws GuestKitException {
        java.util.Map<String, byte[]> found = new java.util.TreeMap<>();
        Path root = unpacked.resolve("lib/modules");
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String name = file.getFileName().toString();
                if (name.endsWith(".ko") && MODULES.contains(name.substring(0, name.length() - 3))) {
                    found.put(unpacked.relativize(file).toString(), Files.readAllBytes(file));
                }
            }
        } catch (IOException e) {
            throw new GuestKitException("cannot read the kernel modules under %s: %s".formatted(root, describe(e)));
        }
        if (found.size() != MODULES.size()) {
            throw new GuestKitException("the kernel package lacks some of the modules %s (found %s)"
                .formatted(MODULES, found.keySet()));
        }
        return found;
    }

    private String kernelPackage() throws GuestKitException {
        String depends = HostCommand.run(cacheDir, 120, List.of("apt-cache", "depends", "linux-image-amd64"));
        for (String line : depends.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("Depends: linux-image-")) {
                return trimmed.substring("Depends: ".length()).strip();
            }
        }
        throw new GuestKitException("apt knows no linux-image-amd64 with a kernel dependency: run apt-get update, "
            + "or add a Debian source to /etc/apt/sources.list");
    }

    private static List<String> applets(Path busybox) throws GuestKitException {
        String list = HostCommand.run(busybox.getParent(), 60, List.of(busybox.toString(), "--list-full"));
        List<String> applets = new ArrayList<>();
        for (String line : list.split("\n")) {
            String applet = line.strip();
            if (!applet.isEmpty() && applet.matches("[A-Za-z0-9_./\\[\\]-]+") && !applet.contains("..")) {
                applets.add(applet.startsWith("/") ? applet.substring(1) : applet);
            }
        }
        if (applets.size() < 10) {
            throw new GuestKitException("busybox --list-full listed only %d applets".formatted(applets.size()));
        }
        return applets;
    }

    private static Path newest(Path directory, String prefix) throws GuestKitException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(p -> p.getFileName().toString().startsWith(prefix))
                .max(Comparator.comparing(p -> p.getFileName().toString()))
                .orElseThrow(() -> new GuestKitException("no %s* in %s after the download".formatted(prefix, directory)));
        } catch (IOException e) {
            throw new GuestKitException("cannot list %s: %s".formatted(directory, describe(e)));
        }
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
