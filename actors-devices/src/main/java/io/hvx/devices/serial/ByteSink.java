package io.hvx.devices.serial;

/** Receives the bytes a guest transmits; called on the vCPU thread, so it must not block for long. */
@FunctionalInterface
public interface ByteSink {

    ByteSink DISCARD = b -> { };

    void write(int b);
}
