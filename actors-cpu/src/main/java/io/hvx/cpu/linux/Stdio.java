package io.hvx.cpu.linux;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;

/** The streams behind the guest's file descriptors 0, 1 and 2. */
public record Stdio(InputStream in, OutputStream out, OutputStream err) {
    /** The JVM process's own standard streams, unbuffered (the guest buffers for itself). */
    public static Stdio inherited() {
        return new Stdio(new FileInputStream(FileDescriptor.in), new FileOutputStream(FileDescriptor.out),
                new FileOutputStream(FileDescriptor.err));
    }
}
