package io.hvx.runtime.vm;

import io.hvx.cpu.vm.VirtualMachine;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * {@code dev-console}: the VM's COM1 UART as seen from the host. It keeps the console (output ring and input path)
 * across reboots and hands it to viewers; the bytes themselves never pass through the actor.
 */
final class ConsoleDeviceActor {
  sealed interface Command {}

  /** Points console input at the machine that now runs. */
  record Connect(VirtualMachine machine) implements Command {}

  record Attach(ActorRef<VmConsole> replyTo) implements Command {}

  private ConsoleDeviceActor() {}

  static Behavior<Command> create(VmConsole console) {
    return Behaviors.receive(Command.class)
        .onMessage(Connect.class, connect -> {
          console.connect(connect.machine());
          return Behaviors.same();
        })
        .onMessage(Attach.class, attach -> {
          attach.replyTo().tell(console);
          return Behaviors.same();
        })
        .build();
  }
}
