package io.hvx.cpu.linux;

import io.hvx.cpu.memory.GuestMemory;

/**
 * The controlling terminal as the guest sees it: termios, window size and foreground process group.
 * Settings are kept, not applied to the host terminal (hvx does not switch the host into raw mode).
 */
final class Terminal {
    static final int TCGETS = 0x5401, TCSETS = 0x5402, TCSETSW = 0x5403, TCSETSF = 0x5404, TIOCSCTTY = 0x540E,
            TIOCGPGRP = 0x540F, TIOCSPGRP = 0x5410, TIOCGWINSZ = 0x5413, TIOCSWINSZ = 0x5414, FIONREAD = 0x541B,
            TIOCNOTTY = 0x5422, FIONBIO = 0x5421, TIOCGSID = 0x5429;

    /** struct termios of the kernel: iflag, oflag, cflag, lflag, line, cc[19]. */
    private final byte[] termios = new byte[36];
    private int rows;
    private int cols;
    /** Guarded by the kernel lock. */
    int foregroundGroup;
    int session;

    Terminal() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(termios).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        // a cooked terminal: ICRNL|IXON, OPOST|ONLCR, B38400|CS8|CREAD, ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN
        b.putInt(0, 0x100 | 0x400).putInt(4, 0x1 | 0x4).putInt(8, 0xF | 0x30 | 0x80)
                .putInt(12, 0x1 | 0x2 | 0x8 | 0x10 | 0x20 | 0x200 | 0x800 | 0x8000);
        byte[] cc = {3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0};
        System.arraycopy(cc, 0, termios, 17, cc.length);
        rows = envInt("LINES", 24);
        cols = envInt("COLUMNS", 80);
    }

    private static int envInt(String name, int fallback) {
        try {
            return Integer.parseInt(System.getenv().getOrDefault(name, ""));
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** Serves a terminal ioctl on a descriptor; non-terminals answer ENOTTY as Linux does. */
    long ioctl(Task t, OpenFile f, int request, long arg) {
        GuestMemory mem = t.image.memory;
        if (request == FIONBIO) {
            int on = mem.read32(arg);
            f.statusFlags = on != 0 ? f.statusFlags | OpenFile.O_NONBLOCK : f.statusFlags & ~OpenFile.O_NONBLOCK;
            return 0;
        }
        if (request == FIONREAD) {
            int n = f instanceof PipeEnd p ? p.pipe.available() : 0;
            mem.write32(arg, n);
            return 0;
        }
        if (!f.isTty()) {
            return -Errno.ENOTTY;
        }
        switch (request) {
            case TCGETS -> GuestIo.copyIn(mem, arg, termios, termios.length);
            case TCSETS, TCSETSW, TCSETSF -> {
                byte[] b = new byte[termios.length];
                GuestIo.copyOut(mem, arg, b, b.length);
                synchronized (this) {
                    System.arraycopy(b, 0, termios, 0, b.length);
                }
            }
            case TIOCGWINSZ -> {
                mem.write16(arg, rows);
                mem.write16(arg + 2, cols);
                mem.write32(arg + 4, 0);
            }
            case TIOCSWINSZ -> {
                rows = mem.read16(arg);
                cols = mem.read16(arg + 2);
            }
            case TIOCGPGRP -> mem.write32(arg, foregroundGroup);
            case TIOCSPGRP -> foregroundGroup = mem.read32(arg);
            case TIOCGSID -> mem.write32(arg, session);
            case TIOCSCTTY, TIOCNOTTY -> { }
            default -> {
                return -Errno.EINVAL;
            }
        }
        return 0;
    }
}
