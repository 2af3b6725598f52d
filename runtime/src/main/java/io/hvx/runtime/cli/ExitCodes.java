package io.hvx.runtime.cli;

/** The exit codes of every {@code hvx} command; documented in the README and {@code hvx --help}. */
public final class ExitCodes {
  public static final int OK = 0;
  /** The node answered with an error (unknown node, invalid request). */
  public static final int FAILED = 1;
  /** Bad flags or settings. */
  public static final int USAGE = 2;
  /** No node answered at the URL, or a node could not start or join its cluster. */
  public static final int UNREACHABLE = 3;
  /** The node refused the token. */
  public static final int UNAUTHORIZED = 4;
  /** The VM ended in failure (triple fault, unsupported instruction, host error, unbootable kernel). */
  public static final int VM_FAILED = 5;
  /** The VM was stopped from the host rather than powered off by the guest. */
  public static final int VM_STOPPED = 6;

  private ExitCodes() {}
}
