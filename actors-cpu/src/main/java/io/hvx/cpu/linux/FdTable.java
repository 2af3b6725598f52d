package io.hvx.cpu.linux;

/** One process's file descriptors: open file descriptions plus the close-on-exec flag; guarded by the kernel lock. */
final class FdTable {
    static final int MAX = 1024;
    private final OpenFile[] files = new OpenFile[MAX];
    private final boolean[] cloexec = new boolean[MAX];

    OpenFile get(int fd) {
        return fd >= 0 && fd < MAX ? files[fd] : null;
    }

    boolean cloexec(int fd) {
        return cloexec[fd];
    }

    void setCloexec(int fd, boolean on) {
        cloexec[fd] = on;
    }

    /** Lowest free descriptor at or above {@code from}; -EMFILE when none. */
    int allocate(OpenFile f, int from, boolean closeOnExec) {
        for (int fd = Math.max(from, 0); fd < MAX; fd++) {
            if (files[fd] == null) {
                files[fd] = f;
                cloexec[fd] = closeOnExec;
                return fd;
            }
        }
        return -Errno.EMFILE;
    }

    /** Puts a description at a given number (dup2), closing what was there. */
    void install(int fd, OpenFile f, boolean closeOnExec) {
        close(fd);
        files[fd] = f;
        cloexec[fd] = closeOnExec;
    }

    /** Returns false when the descriptor was not open. */
    boolean close(int fd) {
        OpenFile f = get(fd);
        if (f == null) {
            return false;
        }
        files[fd] = null;
        cloexec[fd] = false;
        if (--f.refs == 0) {
            f.release();
        }
        return true;
    }

    FdTable fork() {
        FdTable t = new FdTable();
        for (int fd = 0; fd < MAX; fd++) {
            if (files[fd] != null) {
                t.files[fd] = files[fd];
                t.cloexec[fd] = cloexec[fd];
                files[fd].refs++;
            }
        }
        return t;
    }

    void closeOnExec() {
        for (int fd = 0; fd < MAX; fd++) {
            if (files[fd] != null && cloexec[fd]) {
                close(fd);
            }
        }
    }

    void closeAll() {
        for (int fd = 0; fd < MAX; fd++) {
            close(fd);
        }
    }
}
