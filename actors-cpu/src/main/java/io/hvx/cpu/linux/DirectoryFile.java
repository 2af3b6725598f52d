package io.hvx.cpu.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** An open directory: read with getdents64, used by fchdir and the *at calls. */
final class DirectoryFile extends OpenFile {
    private final Path path;
    private List<String> entries;
    /** Index of the next entry getdents64 returns. */
    int position;

    DirectoryFile(Path path, int flags) {
        this.path = path;
        this.statusFlags = flags & (O_ACCMODE | O_NONBLOCK);
    }

    @Override
    long read(Task t, byte[] buf, int len) {
        return -Errno.EISDIR;
    }

    @Override
    long write(Task t, byte[] buf, int len) {
        return -Errno.EBADF;
    }

    /** The entries, "." and ".." first, read once per open (rewound by lseek to 0). */
    List<String> entries() throws IOException {
        if (entries == null) {
            List<String> e = new ArrayList<>(List.of(".", ".."));
            try (Stream<Path> s = Files.list(path)) {
                s.forEach(p -> e.add(p.getFileName().toString()));
            }
            entries = e;
        }
        return entries;
    }

    @Override
    long seek(long offset, int whence) {
        if (whence == 0 && offset >= 0) {
            position = (int) offset;
            if (offset == 0) {
                entries = null;
            }
            return offset;
        }
        return -Errno.EINVAL;
    }

    @Override
    FileStat stat() {
        try {
            return FileStat.of(path, true);
        } catch (IOException e) {
            return FileStat.synthetic(S_IFDIR | 0755, 0);
        }
    }

    @Override
    Path path() {
        return path;
    }
}
