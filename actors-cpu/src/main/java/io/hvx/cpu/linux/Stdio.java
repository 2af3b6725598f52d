package io.hvx.cpu.linux;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** The streams behind the guest's file descriptors 0, 1 and 2, and which of them are terminals. */
public record Stdio(InputStream in, OutputStream out, OutputStream err, boolean inTty, boolean outTty,
                    boolean errTty) {
    /** Streams that are not terminals (pipes, buffers, files). */
    public Stdio(InputStream in, OutputStream out, OutputStream err) {
        this(in, out, err, false, false, false);
    }

    /** The JVM process's own standard streams, unbuffered (the guest buffers for itself). */
    public static Stdio inherited() {
        return new Stdio(new FileInputStream(FileDescriptor.in), new FileOutputStream(FileDescriptor.out),
                new FileOutputStream(FileDescriptor.err), isTty(0), isTty(1), isTty(2));
    }

    private static boolean isTty(int fd) {
        // what the JVM's own descriptor points at; no ioctl needed (Linux names terminals under /dev/pts or /dev/tty*)
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
