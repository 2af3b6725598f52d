package io.hvx.cpu.linux;

import java.nio.file.Path;

/** An open file description: what file descriptors (dup'ed or inherited over fork) share, offset included. */
abstract class OpenFile {
    static final int O_ACCMODE = 3, O_APPEND = 0x400, O_NONBLOCK = 0x800;
    static final int POLLIN = 1, POLLPRI = 2, POLLOUT = 4, POLLERR = 8, POLLHUP = 0x10, POLLNVAL = 0x20;
    static final int S_IFIFO = 0010000, S_IFCHR = 0020000, S_IFDIR = 0040000, S_IFREG = 0100000;

    /** Descriptors referring to this description; guarded by the kernel lock. */
    int refs = 1;
    /** O_ACCMODE, O_APPEND and O_NONBLOCK as fcntl(F_GETFL) reports them. */
    int statusFlags;

    /** Reads up to len bytes; may block; returns the count, 0 at end of file, or -errno. */
    abstract long read(Task t, byte[] buf, int len);

    /** Writes len bytes; may block; returns the count or -errno (EPIPE also raises SIGPIPE). */
    abstract long write(Task t, byte[] buf, int len);

    /** Called with the kernel lock held: which of the requested poll events are ready now. */
    int poll(int events) {
        return events & (POLLIN | POLLOUT);
    }

    /** The file's attributes for fstat. */
    abstract FileStat stat();

    /** Host path behind it, or null (fchdir, openat relative to a directory, /proc/self/fd). */
    Path path() {
        return null;
    }

    /** A terminal: TCGETS and friends answer for it. */
    boolean isTty() {
        return false;
    }

    /** Called with the kernel lock held once the last descriptor is closed. */
    void release() {
    }

    long seek(long offset, int whence) {
        return -Errno.ESPIPE;
    }
}
