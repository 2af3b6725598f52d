package io.hvx.cpu.linux;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** A regular file or device of the host opened through a {@link FileChannel}. */
final class HostFile extends OpenFile {
    final FileChannel channel;
    private final Path path;
    private final boolean device;

    HostFile(FileChannel channel, Path path, int flags, boolean device) {
        this.channel = channel;
        this.path = path;
        this.device = device;
        this.statusFlags = flags & (O_ACCMODE | O_APPEND | O_NONBLOCK);
    }

    @Override
    long read(Task t, byte[] buf, int len) {
        if ((statusFlags & O_ACCMODE) == 1) {
            return -Errno.EBADF;
        }
        try {
            int n = channel.read(ByteBuffer.wrap(buf, 0, len));
            return Math.max(n, 0);
        } catch (IOException e) {
            return -Errno.EIO;
        }
    }

    long pread(byte[] buf, int len, long offset) {
        try {
            int n = channel.read(ByteBuffer.wrap(buf, 0, len), offset);
            return Math.max(n, 0);
        } catch (IOException e) {
            return -Errno.EIO;
        }
    }

    @Override
    long write(Task t, byte[] buf, int len) {
        if ((statusFlags & O_ACCMODE) == 0) {
            return -Errno.EBADF;
        }
        try {
            if ((statusFlags & O_APPEND) != 0 && !device) {
                channel.position(channel.size());
            }
            ByteBuffer b = ByteBuffer.wrap(buf, 0, len);
            while (b.hasRemaining()) {
                channel.write(b);
            }
            return len;
        } catch (IOException e) {
            return -Errno.EIO;
        }
    }

    long pwrite(byte[] buf, int len, long offset) {
        try {
            return channel.write(ByteBuffer.wrap(buf, 0, len), offset);
        } catch (IOException e) {
            return -Errno.EIO;
        }
    }

    @Override
    long seek(long offset, int whence) {
        if (device) {
            return 0;
        }
        try {
            long base = switch (whence) {
                case 0 -> 0;
                case 1 -> channel.position();
                case 2 -> channel.size();
                default -> -1;
            };
            if (base < 0 || base + offset < 0) {
                return -Errno.EINVAL;
            }
            channel.position(base + offset);
            return base + offset;
        } catch (IOException e) {
            return -Errno.EIO;
        }
    }

    @Override
    FileStat stat() {
        try {
            return FileStat.of(path, true);
        } catch (IOException e) {
            // unlinked while open (temporary files): what the channel still knows
            long size;
            try {
                size = channel.size();
            } catch (IOException e2) {
                size = 0;
            }
            FileStat s = FileStat.synthetic(S_IFREG | 0600, System.identityHashCode(this));
            return new FileStat(s.dev(), s.ino(), s.mode(), 0, s.uid(), s.gid(), 0, size, s.atimeNs(), s.mtimeNs(),
                    s.ctimeNs());
        }
    }

    @Override
    Path path() {
        return path;
    }

    @Override
    void release() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // close errors are not reported to the guest
        }
    }
}
