package io.hvx.runtime.vm;

import io.hvx.cpu.vm.VirtualMachine;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * {@code vcpu-N}: owns one vCPU's execution thread, starting it on every boot of its VM. The thread runs the guest
 * without any message per instruction; it ends when the VM ends.
 */
final class VcpuActor {
  sealed interface Command {}

  /** Runs this vCPU of the freshly built {@code machine}. */
  record Run(VirtualMachine machine) implements Command {}

  private VcpuActor() {}

  static Behavior<Command> create(int index) {
    return Behaviors.receive(Command.class)
        .onMessage(Run.class, run -> {
          run.machine().startVcpu(index);
          return Behaviors.same();
        })
        .build();
  }
}
