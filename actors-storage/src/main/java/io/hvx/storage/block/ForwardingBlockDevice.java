package io.hvx.storage.block;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;

/** A device that passes every call to another, so that a wrapper overrides only what it changes. */
public abstract class ForwardingBlockDevice implements BlockDevice {
    private final BlockDevice inner;

    protected ForwardingBlockDevice(BlockDevice inner) {
        this.inner = Objects.requireNonNull(inner, "inner device");
    }

    /** The device calls are passed to. */
    protected final BlockDevice inner() {
        return inner;
    }

    @Override
    public long size() {
        return inner.size();
    }

    @Override
    public void read(ByteBuffer buffer, long offset) throws IOException {
        inner.read(buffer, offset);
    }

    @Override
    public void write(ByteBuffer buffer, long offset) throws IOException {
        inner.write(buffer, offset);
    }

    @Override
    public void flush() throws IOException {
        inner.flush();
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        inner.discard(offset, length);
    }

    @Override
    public Extent extentAt(long offset) throws IOException {
        return inner.extentAt(offset);
    }

    @Override
    public HostRun hostRun(long offset, long length) throws IOException {
        return inner.hostRun(offset, length);
    }

    @Override
    public boolean acceptsParallelWrites() {
        return inner.acceptsParallelWrites();
    }

    @Override
    public boolean readOnly() {
        return inner.readOnly();
    }

    @Override
    public void close() throws IOException {
        inner.close();
    }
}
