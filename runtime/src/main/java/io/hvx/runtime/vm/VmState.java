package io.hvx.runtime.vm;

/** Where a VM is in its life. */
public enum VmState {
  created,
  running,
  paused,
  /** Ended by the guest (power off) or by the host (stop). */
  stopped,
  /** Ended by a guest failure (triple fault, unsupported instruction) or a host error. */
  failed
}
