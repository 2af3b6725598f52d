package io.hvx.runtime.vm;

/** The answer to a request about a VM. */
public sealed interface VmReply {
  /** Why a request was refused; the HTTP routes map it to a status code. */
  enum Problem {
    BAD_REQUEST,
    NOT_FOUND,
    CONFLICT,
    /** The VM runs on another node: {@code elsewhere} says which. */
    ELSEWHERE
  }

  /** Done; {@code vm} is the VM as it is now. */
  record Accepted(VmSummary vm) implements VmReply {}

  /** Refused with a message for the user. */
  record Rejected(Problem problem, String message, VmSummary elsewhere) implements VmReply {
    static Rejected conflict(String message) {
      return new Rejected(Problem.CONFLICT, message, null);
    }
  }
}
