package io.hvx.net;

import io.hvx.net.tap.NamespacePlacement;
import io.hvx.net.tap.TapDevice;
import io.hvx.net.tap.TapPort;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Control of one TAP vPort: opens the TAP device and attaches it to the switch when it starts,
 * detaches and closes it when it stops. Frames never pass through the actor.
 */
public final class VPortActor {
  /** The protocol of a vPort actor; it only needs to be stopped. */
  public sealed interface Command permits Stop {}

  /** Asks the vPort to detach and stop. */
  public enum Stop implements Command {
    INSTANCE
  }

  private VPortActor() {}

  public static Behavior<Command> create(HSwitch hswitch, int portId, int networkId, String interfaceName,
      ActorRef<HSwitchActor.AttachResult> replyTo) {
    return create(hswitch, portId, networkId, interfaceName, "", null, replyTo);
  }

  /** A TAP vPort that is moved into a namespace (and addressed there) once attached; {@code placement} may be null. */
  public static Behavior<Command> create(HSwitch hswitch, int portId, int networkId, String interfaceName,
      String mac, NamespacePlacement placement, ActorRef<HSwitchActor.AttachResult> replyTo) {
    return Behaviors.setup(context -> {
      TapPort port;
      try {
        // Offloads: TCP through the port crosses the overlay as 64 KiB GSO frames, not 1514-byte ones.
        port = new TapPort(TapDevice.open(interfaceName, true), hswitch.counters());
      } catch (RuntimeException e) {
        replyTo.tell(new HSwitchActor.AttachFailed(portId, e.getMessage()));
        return Behaviors.stopped();
      }
      try {
        hswitch.attachTap(portId, networkId, port);
      } catch (RuntimeException e) {
        port.close();
        replyTo.tell(new HSwitchActor.AttachFailed(portId, e.getMessage()));
        return Behaviors.stopped();
      }
      String effectiveMac;
      try {
        effectiveMac = port.device().mac(mac);
        if (placement != null) {
          placement.apply(port.device().name());
        }
      } catch (RuntimeException e) {
        hswitch.detach(portId);
        port.close();
        replyTo.tell(new HSwitchActor.AttachFailed(portId, e.getMessage()));
        return Behaviors.stopped();
      }
      replyTo.tell(new HSwitchActor.Attached(portId, port.device().name(), effectiveMac));
      return Behaviors.receive(Command.class)
          .onMessage(Stop.class, stop -> Behaviors.stopped())
          .onSignal(PostStop.class, signal -> {
            // Detach first: the switch's data-plane thread writes to the TAP until then.
            try {
              hswitch.detach(portId);
              port.close();
            } catch (RuntimeException e) {
              // The switch is gone or stuck: leaving the TAP open is safer than freeing buffers it may use.
              context.getLog().warn("vPort {} could not be detached, TAP {} left open: {}", portId,
                  port.device().name(), e.getMessage());
            }
            return Behaviors.same();
          })
          .build();
    });
  }
}
