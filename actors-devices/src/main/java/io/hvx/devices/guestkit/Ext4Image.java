package io.hvx.devices.guestkit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a {@link RootTree} into a raw disk image holding one ext4 file system, without root and
 * without mounting: {@code mke2fs -d} copies a staged copy of the tree into the new file system,
 * then one {@code debugfs -w} script makes every inode owned by root with the tree's exact mode
 * (the staged files belong to whoever runs hvx) and creates the device nodes, which an unprivileged
 * user cannot stage. Both tools come from e2fsprogs.
 */
final class Ext4Image {

    /**
     * mke2fs reads its defaults from /etc/mke2fs.conf, which differs between hosts; this one fixes
     * the features (those of Debian's ext4 default, which the 6.1 kernel mounts) and the geometry.
     */
    static final String MKE2FS_CONF = """
        [defaults]
        \tbase_features = sparse_super,large_file,filetype,resize_inode,dir_index,ext_attr
        \tblocksize = 4096
        \tinode_size = 256
        \tinode_ratio = 16384
        [fs_types]
        \text4 = {
        \t\tfeatures = has_journal,extent,huge_file,flex_bg,metadata_csum,64bit,dir_nlink,extra_isize
        \t}
        """;

    /** Fixed so that two builds of the same tree give file systems that differ only in timestamps. */
    static final String UUID = "6876782d-6469-736b-2d6b-69742d726f6f";
    static final String LABEL = "hvx-root";

    private Ext4Image() {
    }

    /** Writes {@code tree} as an ext4 file system of {@code sizeBytes} into {@code image}, staging in {@code work}. */
    static void write(RootTree tree, Path image, long sizeBytes, Path work) throws GuestKitException {
        String mke2fs = tool("mke2fs");
        String debugfs = tool("debugfs");
        Path stage = work.resolve("disk-root");
        Path conf = work.resolve("mke2fs.conf");
        Path script = work.resolve("disk-owners.debugfs");
        try {
            GuestKit.deleteTree(stage);
            Files.deleteIfExists(image);
            stage(tree, stage);
            Files.writeString(conf, MKE2FS_CONF);
            Files.writeString(script, debugfsScript(tree));
        } catch (IOException e) {
            throw new GuestKitException("cannot stage the disk's files in %s: %s".formatted(work, GuestKit.describe(e)));
        }
        HostCommand.run(work, 300, List.of(mke2fs, "-q", "-F", "-t", "ext4", "-T", "default", "-L", LABEL, "-U", UUID,
            "-E", "root_owner=0:0,hash_seed=" + UUID, "-d", stage.toString(), image.toString(), (sizeBytes / 1024) + "k"),
            Map.of("MKE2FS_CONFIG", conf.toString()));
        String output = HostCommand.run(work, 300, List.of(debugfs, "-w", "-f", script.toString(), image.toString()));
        List<String> errors = output.lines()
            .filter(line -> !line.isBlank() && !line.startsWith("debugfs") && !line.startsWith("Allocated inode"))
            .toList();
        if (!errors.isEmpty()) {
            throw new GuestKitException("debugfs could not set the owners and modes in %s: %s".formatted(image, errors.getFirst()));
        }
        try {
            GuestKit.deleteTree(stage);
            Files.delete(conf);
            Files.delete(script);
        } catch (IOException e) {
            throw new GuestKitException("cannot remove the staged files in %s: %s".formatted(work, GuestKit.describe(e)));
        }
    }

    /** Directories, files and links as ordinary host files, readable by mke2fs; device nodes are left to debugfs. */
    private static void stage(RootTree tree, Path stage) throws IOException {
        Files.createDirectories(stage);
        for (RootTree.Entry entry : tree.entries()) {
            Path target = stage.resolve(entry.path());
            switch (entry.kind()) {
                case DIRECTORY -> Files.createDirectory(target);
                case FILE -> Files.write(target, entry.data());
                case SYMLINK -> Files.createSymbolicLink(target, Path.of(new String(entry.data(), StandardCharsets.UTF_8)));
                case CHAR_DEVICE -> {
                }
            }
        }
    }

    /** For every entry: owner root, group root, the exact mode; device nodes are made here first. */
    static String debugfsScript(RootTree tree) {
        StringBuilder script = new StringBuilder();
        for (RootTree.Entry entry : tree.entries()) {
            String path = "/" + entry.path();
            if (entry.kind() == RootTree.Kind.CHAR_DEVICE) {
                int slash = path.lastIndexOf('/');
                // debugfs makes the node in its current directory
                script.append("cd ").append(slash == 0 ? "/" : path.substring(0, slash)).append('\n')
                    .append("mknod ").append(path.substring(slash + 1)).append(" c ").append(entry.major()).append(' ')
                    .append(entry.minor()).append('\n').append("cd /\n");
            }
            script.append("sif ").append(path).append(" uid 0\n")
                .append("sif ").append(path).append(" gid 0\n")
                .append("sif ").append(path).append(" mode 0").append(Integer.toOctalString(entry.mode())).append('\n');
        }
        return script.toString();
    }

    /** The tool's path: on PATH, or in /usr/sbin or /sbin, which an ordinary user's PATH often lacks. */
    static String tool(String tool) throws GuestKitException {
        List<String> dirs = new ArrayList<>(List.of(System.getenv().getOrDefault("PATH", "").split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin"));
        for (String dir : dirs) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return Path.of(dir, tool).toString();
            }
        }
        throw new GuestKitException(tool + " not found: the disk kit needs e2fsprogs (apt-get install e2fsprogs)");
    }
}
