package io.hvx.cpu.decode;

/** Where the decoder reads instruction bytes from; a fetch from a non-executable page throws a guest fault. */
public interface ByteSource {
    /** The byte at the guest address, 0..255. */
    int fetch(long address);
}
