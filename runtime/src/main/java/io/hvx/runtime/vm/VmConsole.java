package io.hvx.runtime.vm;

import io.hvx.cpu.vm.VirtualMachine;

/**
 * A VM's serial console as viewers see it: the output ring, which outlives reboots, and the input path into the
 * UART of whichever machine currently runs.
 */
public final class VmConsole {
  private final ConsoleRing output;
  private volatile VirtualMachine machine;

  public VmConsole(ConsoleRing output) {
    this.output = output;
  }

  public ConsoleRing output() {
    return output;
  }

  void connect(VirtualMachine running) {
    machine = running;
  }

  /**
   * Types {@code bytes} into the guest, blocking while the UART's receive buffer is full (that is the backpressure
   * on clients); returns false when no machine runs and the bytes were dropped.
   */
  public boolean type(byte[] bytes) throws InterruptedException {
    VirtualMachine target = machine;
    if (target == null) {
      return false;
    }
    target.type(bytes);
    return true;
  }
}
