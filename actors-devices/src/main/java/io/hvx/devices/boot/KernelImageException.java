package io.hvx.devices.boot;

/** A kernel image (or initramfs, or command line) that cannot be booted; the message says why, in one line. */
public final class KernelImageException extends Exception {

    public KernelImageException(String message) {
        super(message);
    }
}
