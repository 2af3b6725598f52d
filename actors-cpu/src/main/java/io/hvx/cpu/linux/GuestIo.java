package io.hvx.cpu.linux;

import io.hvx.cpu.memory.GuestFault;
import io.hvx.cpu.memory.GuestMemory;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Copies between guest memory and the JVM honouring page permissions, as the kernel's copy_to/from_user do. */
final class GuestIo {
    private GuestIo() {
    }

    /** Guest buffer to JVM; a page fault (unmapped or unreadable page) becomes EFAULT in the caller. */
    static void copyOut(GuestMemory mem, long address, byte[] into, int length) {
        check(mem, address, length, GuestMemory.READ);
        mem.copyOut(address, into, 0, length);
    }

    /** JVM to guest buffer. */
    static void copyIn(GuestMemory mem, long address, byte[] from, int length) {
        check(mem, address, length, GuestMemory.WRITE);
        mem.load(address, from, 0, length);
    }

    private static void check(GuestMemory mem, long address, long length, int perm) {
        if (length <= 0) {
            return;
        }
        for (long p = address & -GuestMemory.PAGE_SIZE; p < address + length; p += GuestMemory.PAGE_SIZE) {
            if ((mem.permissions(p) & perm) == 0) {
                throw new GuestFault(GuestFault.Kind.PAGE_FAULT, Math.max(p, address), perm == GuestMemory.WRITE);
            }
        }
    }

    static final int PATH_MAX = 4096;

    /** A NUL-terminated string; null when longer than PATH_MAX. */
    static String cString(GuestMemory mem, long a) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (int k = 0; k < PATH_MAX; k++) {
            int c = mem.read8(a + k);
            if (c == 0) {
                return b.toString(StandardCharsets.UTF_8);
            }
            b.write(c);
        }
        return null;
    }

    static void writeCString(GuestMemory mem, long a, String s) {
        byte[] b = (s + "\0").getBytes(StandardCharsets.UTF_8);
        copyIn(mem, a, b, b.length);
    }
}
