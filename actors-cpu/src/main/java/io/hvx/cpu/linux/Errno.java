package io.hvx.cpu.linux;

/** Linux errno values the system calls return (negated in RAX). */
final class Errno {
    private Errno() {
    }

    static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7, ENOEXEC = 8,
            EBADF = 9, ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14, EBUSY = 16, EEXIST = 17,
            EXDEV = 18, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, EMFILE = 24, ENOTTY = 25, EFBIG = 27, ENOSPC = 28,
            ESPIPE = 29, EROFS = 30, EMLINK = 31, EPIPE = 32, ERANGE = 34, ENAMETOOLONG = 36, ENOSYS = 38,
            ENOTEMPTY = 39, ELOOP = 40, ENODATA = 61, EAFNOSUPPORT = 97, ETIMEDOUT = 110;
    /** Kernel-internal: the call was interrupted and restarts unless a handler without SA_RESTART runs. */
    static final int ERESTARTSYS = 512;

    /** The errno for a failed host file operation. */
    static int of(java.io.IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return ENOENT;
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException) {
            return EEXIST;
        }
        if (e instanceof java.nio.file.DirectoryNotEmptyException) {
            return ENOTEMPTY;
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return EACCES;
        }
        if (e instanceof java.nio.file.NotDirectoryException) {
            return ENOTDIR;
        }
        if (e instanceof java.nio.file.NotLinkException) {
            return EINVAL;
        }
        if (e instanceof java.nio.file.FileSystemLoopException) {
            return ELOOP;
        }
        String reason = e instanceof java.nio.file.FileSystemException f ? f.getReason() : e.getMessage();
        if (reason != null) {
            if (reason.contains("Is a directory")) {
                return EISDIR;
            }
            if (reason.contains("Not a directory")) {
                return ENOTDIR;
            }
            if (reason.contains("Directory not empty")) {
                return ENOTEMPTY;
            }
            if (reason.contains("Read-only")) {
                return EROFS;
            }
            if (reason.contains("cross-device") || reason.contains("Invalid cross")) {
                return EXDEV;
            }
            if (reason.contains("Permission denied")) {
                return EACCES;
            }
            if (reason.contains("Operation not permitted")) {
                return EPERM;
            }
            if (reason.contains("Too many levels")) {
                return ELOOP;
            }
            if (reason.contains("File name too long")) {
                return ENAMETOOLONG;
            }
        }
        return EIO;
    }
}
