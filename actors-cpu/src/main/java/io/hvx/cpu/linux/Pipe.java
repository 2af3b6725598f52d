package io.hvx.cpu.linux;

import java.io.IOException;
import java.io.InputStream;

/** A pipe's 64 KiB ring buffer with its reader and writer counts; every field is guarded by the kernel lock. */
final class Pipe {
    static final int CAPACITY = 65536;
    private static long nextIno = 0x1000;

    final Kernel kernel;
    final long ino;
    private final byte[] ring = new byte[CAPACITY];
    private int head;
    private int count;
    int readers;
    int writers;
    /** Host input copied in on demand (the guest's stdin), or null. */
    private InputStream source;
    private boolean sourceStarted;

    Pipe(Kernel kernel) {
        this.kernel = kernel;
        synchronized (Pipe.class) {
            this.ino = nextIno++;
        }
    }

    /** A pipe fed from a host stream by a pump thread that starts on the first read or poll. */
    static Pipe fedBy(Kernel kernel, InputStream in) {
        Pipe p = new Pipe(kernel);
        p.source = in;
        p.writers = 1;
        return p;
    }

    /** Called with the lock held. */
    void startSource() {
        if (source == null || sourceStarted) {
            return;
        }
        sourceStarted = true;
        Thread pump = new Thread(this::pump, "hvx-stdin");
        pump.setDaemon(true);
        pump.start();
    }

    private void pump() {
        byte[] buf = new byte[CAPACITY];
        try {
            while (true) {
                int n;
                try {
                    n = source.read(buf);
                } catch (IOException e) {
                    n = -1;
                }
                kernel.lock.lock();
                try {
                    if (n < 0 || readers == 0) {
                        writers--;
                        kernel.changedLocked();
                        return;
                    }
                    int off = 0;
                    while (off < n) {
                        if (readers == 0) {
                            writers--;
                            kernel.changedLocked();
                            return;
                        }
                        int put = Math.min(n - off, CAPACITY - count);
                        if (put == 0) {
                            kernel.await(0);
                            continue;
                        }
                        putLocked(buf, off, put);
                        off += put;
                        kernel.changedLocked();
                    }
                } finally {
                    kernel.lock.unlock();
                }
            }
        } catch (RuntimeException e) {
            kernel.reportOnce("hvx: stdin: " + e);
        }
    }

    private void putLocked(byte[] b, int off, int n) {
        for (int k = 0; k < n; k++) {
            ring[(head + count + k) % CAPACITY] = b[off + k];
        }
        count += n;
    }

    /** Reads what is there, blocking while empty and a writer remains. */
    long read(Task t, byte[] buf, int len, boolean nonblock) {
        kernel.lock.lock();
        try {
            startSource();
            while (count == 0) {
                if (writers == 0) {
                    return 0;
                }
                if (nonblock) {
                    return -Errno.EAGAIN;
                }
                if (t.signals.deliverable()) {
                    return -Errno.ERESTARTSYS;
                }
                kernel.await(0);
            }
            int n = Math.min(len, count);
            for (int k = 0; k < n; k++) {
                buf[k] = ring[(head + k) % CAPACITY];
            }
            head = (head + n) % CAPACITY;
            count -= n;
            kernel.changedLocked();
            return n;
        } finally {
            kernel.lock.unlock();
        }
    }

    /** Writes everything, blocking while full; EPIPE and SIGPIPE once no reader is left. */
    long write(Task t, byte[] buf, int len, boolean nonblock) {
        kernel.lock.lock();
        try {
            int off = 0;
            while (off < len) {
                if (readers == 0) {
                    t.signals.post(SignalState.SIGPIPE, SignalState.SI_USER, t.pid);
                    return off > 0 ? off : -Errno.EPIPE;
                }
                int put = Math.min(len - off, CAPACITY - count);
                if (put == 0) {
                    if (nonblock) {
                        return off > 0 ? off : -Errno.EAGAIN;
                    }
                    if (t.signals.deliverable()) {
                        return off > 0 ? off : -Errno.ERESTARTSYS;
                    }
                    kernel.await(0);
                    continue;
                }
                putLocked(buf, off, put);
                off += put;
                kernel.changedLocked();
            }
            return off;
        } finally {
            kernel.lock.unlock();
        }
    }

    /** Called with the lock held. */
    int poll(boolean readEnd, int events) {
        int r = 0;
        if (readEnd) {
            startSource();
            if (count > 0) {
                r |= OpenFile.POLLIN;
            }
            if (writers == 0) {
                r |= OpenFile.POLLHUP;
            }
            return r & (events | OpenFile.POLLHUP);
        }
        if (readers == 0) {
            return OpenFile.POLLERR;
        }
        return count < CAPACITY ? events & OpenFile.POLLOUT : 0;
    }

    int available() {
        return count;
    }
}
