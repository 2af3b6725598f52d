package io.hvx.storage.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** A virtual disk addressed by byte offset; implementations are safe to call from several threads. */
public interface BlockDevice extends AutoCloseable {

    /** Virtual size in bytes. */
    long size();

    /** Reads buffer.remaining() bytes at offset; bytes past the end of the disk are an error. */
    void read(ByteBuffer buffer, long offset) throws IOException;

    /** Writes buffer.remaining() bytes at offset. */
    void write(ByteBuffer buffer, long offset) throws IOException;

    /** Makes previous writes durable. */
    void flush() throws IOException;

    /** Tells the device the range is no longer needed; it reads back as zeros afterwards. */
    void discard(long offset, long length) throws IOException;

    /**
     * Says whether the range starting at offset is allocated (holds data the format stores) and for how many
     * bytes that answer holds, so copies can skip holes without reading them.
     */
    Extent extentAt(long offset) throws IOException;

    /**
     * Where the bytes starting at offset are stored verbatim in one host file, for at most length bytes, so a copy
     * can read them straight from that file without the format's locks; null when they are not (holes, compressed
     * or translated data) or the format does not say.
     */
    default HostRun hostRun(long offset, long length) throws IOException {
        return null;
    }

    /**
     * True when writes at unrelated offsets may come from several threads at once and in any order, so copies can
     * use several workers; false for devices that want their writes in ascending order (streams, compressors).
     */
    default boolean acceptsParallelWrites() {
        return false;
    }

    /** True when the device refuses writes. */
    boolean readOnly();

    @Override
    void close() throws IOException;

    /** A run of bytes that are all allocated data, or all zeros. */
    record Extent(long length, boolean zero) {}

    /** Disk bytes that lie unchanged at fileOffset of a host file, length bytes long. */
    record HostRun(FileChannel channel, long fileOffset, long length) {}

    /** Checks a write: the device must be writable (name says which in the error) and the range inside it. */
    static void checkWrite(BlockDevice device, Object name, long offset, long length) throws IOException {
        if (device.readOnly()) {
            throw new IOException(name + " is open read-only");
        }
        checkRange(device, offset, length);
    }

    /** Checks a request against the device size; shared by all formats. */
    static void checkRange(BlockDevice device, long offset, long length) throws IOException {
        if (offset < 0 || length < 0 || offset + length > device.size() || offset + length < 0) {
            throw new ImageFormatException("request at offset " + offset + " length " + length
                    + " is outside the disk of " + device.size() + " bytes");
        }
    }
}
