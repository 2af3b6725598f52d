package io.hvx.runtime.vm;

import io.hvx.storage.block.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A device the VM uses but does not own (a logical volume others may use too): closing it runs {@code release}
 * instead of closing the device.
 */
final class SharedBlockDevice implements BlockDevice {
  private final BlockDevice device;
  private final Runnable release;
  private boolean released;

  SharedBlockDevice(BlockDevice device, Runnable release) {
    this.device = device;
    this.release = release;
  }

  @Override
  public long size() {
    return device.size();
  }

  @Override
  public void read(ByteBuffer buffer, long offset) throws IOException {
    device.read(buffer, offset);
  }

  @Override
  public void write(ByteBuffer buffer, long offset) throws IOException {
    device.write(buffer, offset);
  }

  @Override
  public void flush() throws IOException {
    device.flush();
  }

  @Override
  public void discard(long offset, long length) throws IOException {
    device.discard(offset, length);
  }

  @Override
  public Extent extentAt(long offset) throws IOException {
    return device.extentAt(offset);
  }

  @Override
  public HostRun hostRun(long offset, long length) throws IOException {
    return device.hostRun(offset, length);
  }

  @Override
  public boolean acceptsParallelWrites() {
    return device.acceptsParallelWrites();
  }

  @Override
  public boolean readOnly() {
    return device.readOnly();
  }

  @Override
  public synchronized void close() throws IOException {
    if (!released) {
      released = true;
      device.flush();
      release.run();
    }
  }
}
