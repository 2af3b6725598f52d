package io.hvx.runtime.vm;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ForwardingBlockDevice;
import java.io.IOException;

/**
 * A device the VM uses but does not own (a logical volume others may use too): closing it runs {@code release}
 * instead of closing the device.
 */
final class SharedBlockDevice extends ForwardingBlockDevice {
  private final Runnable release;
  private boolean released;

  SharedBlockDevice(BlockDevice device, Runnable release) {
    super(device);
    this.release = release;
  }

  @Override
  public synchronized void close() throws IOException {
    if (!released) {
      released = true;
      inner().flush();
      release.run();
    }
  }
}
