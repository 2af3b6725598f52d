package io.hvx.cpu.linux;

import io.hvx.cpu.memory.GuestMemory;
import java.util.function.IntSupplier;

/** poll, ppoll, select and pselect6 over pipes, files and terminals. */
final class Polling {
    private Polling() {
    }

    /** Waits until a descriptor is ready, a signal arrives or the timeout (ns, -1 forever) passes. */
    static long poll(Task t, long fdsAddr, int nfds, long timeoutNs, long maskAddr, boolean withMask) {
        if (nfds < 0 || nfds > FdTable.MAX) {
            return -Errno.EINVAL;
        }
        GuestMemory mem = t.image.memory;
        int[] fds = new int[nfds];
        int[] events = new int[nfds];
        for (int k = 0; k < nfds; k++) {
            fds[k] = mem.read32(fdsAddr + 8L * k);
            events[k] = mem.read16(fdsAddr + 8L * k + 4);
        }
        int[] revents = new int[nfds];
        long old = swapMask(t, maskAddr, withMask);
        int ready = waitReady(t, timeoutNs, () -> {
            int found = 0;
            for (int k = 0; k < nfds; k++) {
                OpenFile f = fds[k] < 0 ? null : t.fds.get(fds[k]);
                revents[k] = fds[k] < 0 ? 0 : f == null ? OpenFile.POLLNVAL : f.poll(events[k]);
                if (revents[k] != 0) {
                    found++;
                }
            }
            return found;
        });
        restoreMask(t, old, ready == -Errno.EINTR);
        if (ready >= 0) {
            for (int k = 0; k < nfds; k++) {
                mem.write16(fdsAddr + 8L * k + 6, revents[k]);
            }
        }
        return ready;
    }

    /** select/pselect6: fd_set bitmaps in, the ready subsets out. */
    static long select(Task t, int nfds, long readAddr, long writeAddr, long exceptAddr, long timeoutNs,
                       long maskAddr) {
        if (nfds < 0 || nfds > FdTable.MAX) {
            return -Errno.EINVAL;
        }
        GuestMemory mem = t.image.memory;
        int words = (nfds + 63) / 64;
        long[] rd = bits(mem, readAddr, words);
        long[] wr = bits(mem, writeAddr, words);
        long[] outR = new long[words];
        long[] outW = new long[words];
        long old = swapMask(t, maskAddr, maskAddr != 0);
        int ready = waitReady(t, timeoutNs, () -> {
            int found = 0;
            for (int fd = 0; fd < nfds; fd++) {
                boolean wantR = (rd[fd >> 6] & (1L << fd)) != 0;
                boolean wantW = (wr[fd >> 6] & (1L << fd)) != 0;
                if (!wantR && !wantW) {
                    continue;
                }
                OpenFile f = t.fds.get(fd);
                if (f == null) {
                    return -Errno.EBADF;
                }
                int ev = f.poll(OpenFile.POLLIN | OpenFile.POLLOUT);
                if (wantR && (ev & (OpenFile.POLLIN | OpenFile.POLLHUP | OpenFile.POLLERR)) != 0) {
                    outR[fd >> 6] |= 1L << fd;
                    found++;
                }
                if (wantW && (ev & (OpenFile.POLLOUT | OpenFile.POLLERR)) != 0) {
                    outW[fd >> 6] |= 1L << fd;
                    found++;
                }
            }
            return found;
        });
        restoreMask(t, old, ready == -Errno.EINTR);
        if (ready >= 0) {
            put(mem, readAddr, outR);
            put(mem, writeAddr, outW);
            put(mem, exceptAddr, new long[words]);
        }
        return ready;
    }

    /**
     * Under the kernel lock, runs {@code scan} (ready count, or a negative errno) until it finds something,
     * the timeout (ns, -1 forever, 0 once) passes, or a signal is deliverable (-EINTR).
     */
    private static int waitReady(Task t, long timeoutNs, IntSupplier scan) {
        long deadline = timeoutNs < 0 ? 0 : System.nanoTime() + timeoutNs;
        t.kernel.lock.lock();
        try {
            while (true) {
                int ready = scan.getAsInt();
                if (ready != 0 || timeoutNs == 0 || (deadline != 0 && System.nanoTime() - deadline >= 0)) {
                    return ready;
                }
                if (t.signals.deliverable()) {
                    return -Errno.EINTR;
                }
                t.kernel.await(deadline);
            }
        } finally {
            t.kernel.lock.unlock();
        }
    }

    private static long[] bits(GuestMemory mem, long addr, int words) {
        long[] b = new long[words];
        if (addr != 0) {
            for (int k = 0; k < words; k++) {
                b[k] = mem.read64(addr + 8L * k);
            }
        }
        return b;
    }

    private static void put(GuestMemory mem, long addr, long[] b) {
        if (addr != 0) {
            for (int k = 0; k < b.length; k++) {
                mem.write64(addr + 8L * k, b[k]);
            }
        }
    }

    private static long swapMask(Task t, long maskAddr, boolean withMask) {
        long old = t.signals.blocked;
        if (withMask && maskAddr != 0) {
            t.signals.blocked = t.image.memory.read64(maskAddr) & ~SignalState.UNBLOCKABLE;
        }
        return old;
    }

    private static void restoreMask(Task t, long old, boolean interrupted) {
        if (interrupted && t.signals.blocked != old) {
            t.signals.suspendedMask = old; // the handler runs with the temporary mask, then gets the old one back
        } else {
            t.signals.blocked = old;
        }
    }
}
