package io.hvx.runtime.vm;

import io.hvx.cpu.vm.VirtualMachine;
import io.hvx.cpu.vm.VmConfig;
import io.hvx.cpu.vm.VmOutcome;
import io.hvx.devices.boot.KernelImageException;
import io.hvx.devices.machine.DeviceFactory;
import io.hvx.devices.serial.ByteSink;
import io.hvx.devices.virtio.VirtioCounters;
import io.hvx.devices.virtio.blk.VirtioBlk;
import io.hvx.devices.virtio.net.VirtioNet;
import io.hvx.net.HSwitchActor;
import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.snapshot.CowSnapshot;
import io.hvx.storage.snapshot.SnapshotBusyException;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * {@code vm-<id>}: one VM, with a {@code vcpu-N} child per vCPU and a {@code dev-console} child. A guest reset
 * boots a fresh machine with the same spec; a guest or host failure ends this VM in state failed with the reason,
 * and never touches other VMs or the node. Every state change is told to the listener (the {@code vms} actor).
 */
public final class VmActor {
  public sealed interface Command {}

  public record Start(ActorRef<VmReply> replyTo) implements Command {}

  public record Pause(ActorRef<VmReply> replyTo) implements Command {}

  public record Resume(ActorRef<VmReply> replyTo) implements Command {}

  public record Stop(ActorRef<VmReply> replyTo) implements Command {}

  public record Attach(ActorRef<VmConsole> replyTo) implements Command {}

  private record Ended(int generation, VmOutcome outcome) implements Command {}

  private record NicAttached(int generation, int index, HSwitchActor.AttachResult result, Throwable failure)
      implements Command {}

  /** The VM's NICs and the node's hSwitch actor they become vPorts of (null when there are no NICs). */
  public record Nics(List<VmNetwork.Nic> nics, ActorRef<HSwitchActor.Command> hswitch) {}

  private static final Duration ATTACH_TIMEOUT = Duration.ofSeconds(10);

  /** What the guest's virtio-blk GET_ID answers for the root disk (/dev/disk/by-id/virtio-hvx-root). */
  static final String ROOT_SERIAL = "hvx-root";

  private final ActorContext<Command> context;
  private final VmSpec spec;
  private final ActorRef<VmSummary> listener;
  private final VmConsole console;
  private final ByteSink sink;
  private final List<ActorRef<VcpuActor.Command>> vcpus = new ArrayList<>();
  private final ActorRef<ConsoleDeviceActor.Command> device;
  private final List<ActorRef<VmReply>> awaitingEnd = new ArrayList<>();
  private final VmDisks disks;
  private final Nics nics;
  private final VirtioCounters diskCounters = new VirtioCounters();
  private final VirtioCounters nicCounters = new VirtioCounters();
  /** The running machine's NIC devices, by index in {@code nics}, and the hSwitch ports they hold. */
  private final List<VirtioNet> nicDevices = new ArrayList<>();
  private final List<Integer> nicPorts = new ArrayList<>();
  private VmSummary summary;
  private VirtualMachine machine;
  private int generation;

  private VmActor(ActorContext<Command> context, VmSummary initial, VmSpec spec, ActorRef<VmSummary> listener,
      VmConsole console, ByteSink tap, VmDisks disks, Nics nics) {
    this.context = context;
    this.disks = disks;
    this.nics = nics;
    this.summary = initial;
    this.spec = spec;
    this.listener = listener;
    this.console = console;
    ByteSink ring = console.output();
    this.sink = tap == null ? ring : b -> {
      ring.write(b);
      tap.write(b);
    };
    for (int i = 0; i < spec.vcpus(); i++) {
      ActorRef<VcpuActor.Command> vcpu = context.spawn(VcpuActor.create(i), "vcpu-" + i);
      context.watch(vcpu);
      vcpus.add(vcpu);
    }
    device = context.spawn(ConsoleDeviceActor.create(console), "dev-console");
    context.watch(device);
  }

  /** {@code tap}, when not null, also sees every console byte on the vCPU thread (tests inject device faults). */
  public static Behavior<Command> create(VmSummary initial, VmSpec spec, ActorRef<VmSummary> listener,
      VmConsole console, ByteSink tap, VmDisks disks, Nics nics) {
    return Behaviors.setup(context -> new VmActor(context, initial, spec, listener, console, tap, disks, nics)
        .behavior());
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Start.class, start -> reply(start.replyTo(), start()))
        .onMessage(Pause.class, pause -> reply(pause.replyTo(), pause()))
        .onMessage(Resume.class, resume -> reply(resume.replyTo(), resume()))
        .onMessage(Stop.class, this::onStop)
        .onMessage(Attach.class, attach -> {
          device.tell(new ConsoleDeviceActor.Attach(attach.replyTo()));
          return Behaviors.same();
        })
        .onMessage(Ended.class, this::onEnded)
        .onMessage(NicAttached.class, this::onNicAttached)
        .onSignal(ChildFailed.class, failed -> {
          failVm("host-error", "the VM's actor " + failed.getRef().path().name() + " failed: "
              + failed.getCause());
          return Behaviors.same();
        })
        .onSignal(PostStop.class, stopped -> {
          closeMachine();
          console.output().end();
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Command> reply(ActorRef<VmReply> replyTo, String refusal) {
    replyTo.tell(refusal == null ? new VmReply.Accepted(summary) : VmReply.Rejected.conflict(refusal));
    return Behaviors.same();
  }

  private String start() {
    if (summary.state() == VmState.running || summary.state() == VmState.paused) {
      return "VM '" + summary.name() + "' is already " + summary.state() + " (stop it first to start it again)";
    }
    console.output().reopen();
    boot(0);
    return null;
  }

  /** Builds a fresh machine from the spec and starts its vCPUs; a machine that cannot be built fails the VM. */
  private void boot(int reboots) {
    VirtualMachine built;
    CowSnapshot root = null;
    List<BlockDevice> extras = new ArrayList<>();
    try {
      byte[] kernel = Files.readAllBytes(spec.kernel());
      byte[] initrd = spec.initrd() == null ? null : Files.readAllBytes(spec.initrd());
      List<DeviceFactory> devices = new ArrayList<>();
      if (spec.image() != null) {
        CowSnapshot disk = disks.open(summary.id());
        root = disk;
        // The device owns the snapshot from here: closing the machine closes it and releases its lock.
        devices.add(m -> new VirtioBlk(disk, ROOT_SERIAL, 1, m.ram(), diskCounters));
      }
      int index = 0;
      for (DiskSpec extra : spec.diskSpecs()) {
        BlockDevice opened = disks.openExtra(summary.id(), extra);
        extras.add(opened);
        String serial = "hvx-disk-" + index++;
        devices.add(m -> new VirtioBlk(opened, serial, 1, m.ram(), diskCounters));
      }
      nicDevices.clear();
      for (VmNetwork.Nic nic : nics.nics()) {
        // made on this thread while the machine is built; connected to its vPort once the hSwitch answers
        devices.add(m -> {
          VirtioNet device = new VirtioNet(nic.mac(), true, m.ram(), nicCounters);
          nicDevices.add(device);
          return device;
        });
      }
      built = new VirtualMachine(new VmConfig(spec.vcpus(), spec.memoryBytes(), kernel, initrd, spec.cmdline(), true,
          devices), sink);
      root = null;
      extras.clear();
    } catch (SnapshotBusyException e) {
      closeQuietly(root, extras);
      finish(VmState.failed, "host-error", "a disk of the VM is in use: " + e.getMessage(), reboots);
      return;
    } catch (IOException e) {
      closeQuietly(root, extras);
      finish(VmState.failed, "host-error", "cannot read the boot files or open the disks: " + e.getMessage(), reboots);
      return;
    } catch (KernelImageException e) {
      closeQuietly(root, extras);
      finish(VmState.failed, "bad-kernel", "the kernel cannot be booted: " + e.getMessage(), reboots);
      return;
    } catch (RuntimeException e) {
      closeQuietly(root, extras);
      finish(VmState.failed, "host-error", "the machine could not be built: " + e, reboots);
      return;
    }
    machine = built;
    int current = ++generation;
    built.whenDone().thenAccept(outcome -> context.getSelf().tell(new Ended(current, outcome)));
    device.tell(new ConsoleDeviceActor.Connect(built));
    attachNics(current);
    for (ActorRef<VcpuActor.Command> vcpu : vcpus) {
      vcpu.tell(new VcpuActor.Run(built));
    }
    change(summary.with(VmState.running, null, null, reboots));
  }

  /** Asks the hSwitch for one vPort per NIC; frames the guest sends before the answer are dropped and counted. */
  private void attachNics(int current) {
    for (int i = 0; i < nicDevices.size(); i++) {
      int index = i;
      VmNetwork.Nic nic = nics.nics().get(i);
      VirtioNet sink = nicDevices.get(i);
      context.ask(HSwitchActor.AttachResult.class, nics.hswitch(), ATTACH_TIMEOUT,
          replyTo -> new HSwitchActor.AttachNic(HSwitchActor.ANY_PORT, nic.networkId(), nic.mac(), nic.address(),
              summary.name(), sink, replyTo),
          (result, failure) -> new NicAttached(current, index, result, failure));
    }
  }

  private Behavior<Command> onNicAttached(NicAttached attached) {
    if (attached.result() instanceof HSwitchActor.DeviceAttached port) {
      if (attached.generation() != generation || machine == null) {
        // the machine it was for has ended meanwhile
        nics.hswitch().tell(new HSwitchActor.DetachNic(port.portId()));
        return Behaviors.same();
      }
      nicPorts.add(port.portId());
      nicDevices.get(attached.index()).connect(port.ring());
      return Behaviors.same();
    }
    if (attached.generation() == generation && machine != null) {
      String network = nics.nics().get(attached.index()).network();
      String why = attached.result() instanceof HSwitchActor.AttachFailed failed ? failed.reason()
          : "the hSwitch did not answer: " + attached.failure();
      failVm("host-error", "NIC " + attached.index() + " could not join network '" + network + "': " + why);
    }
    return Behaviors.same();
  }

  /** Disks opened for a machine that was never built; those the machine took are closed with it. */
  private void closeQuietly(CowSnapshot root, List<BlockDevice> extras) {
    List<BlockDevice> all = new ArrayList<>(extras);
    if (root != null) {
      all.add(root);
    }
    for (BlockDevice disk : all) {
      try {
        disk.close();
      } catch (IOException e) {
        context.getLog().warn("VM {}: closing a disk failed: {}", summary.name(), e.getMessage());
      }
    }
  }

  private String pause() {
    if (summary.state() != VmState.running) {
      return "VM '" + summary.name() + "' is " + summary.state() + ", not running: only a running VM can be paused";
    }
    machine.pause();
    change(summary.with(VmState.paused, null, null, summary.reboots()));
    return null;
  }

  private String resume() {
    if (summary.state() != VmState.paused) {
      return "VM '" + summary.name() + "' is " + summary.state() + ", not paused: only a paused VM can be resumed";
    }
    machine.resume();
    change(summary.with(VmState.running, null, null, summary.reboots()));
    return null;
  }

  private Behavior<Command> onStop(Stop stop) {
    if (machine == null) {
      return reply(stop.replyTo(), "VM '" + summary.name() + "' is " + summary.state() + ", not running");
    }
    awaitingEnd.add(stop.replyTo());
    machine.stop();
    return Behaviors.same();
  }

  private Behavior<Command> onEnded(Ended ended) {
    if (ended.generation() != generation) {
      return Behaviors.same();
    }
    closeMachine();
    switch (ended.outcome()) {
      case VmOutcome.Reset reset -> {
        context.getLog().info("VM {} reset by the guest: rebooting", summary.name());
        boot(summary.reboots() + 1);
      }
      case VmOutcome.PowerOff off -> finish(VmState.stopped, "poweroff", "the guest powered off", summary.reboots());
      case VmOutcome.Stopped host -> finish(VmState.stopped, "stopped", "stopped from the host", summary.reboots());
      case VmOutcome.TripleFault f -> finish(VmState.failed, "triple-fault",
          "vCPU %d triple fault at rip 0x%x: %s".formatted(f.vcpu(), f.rip(), f.reason()), summary.reboots());
      case VmOutcome.Unsupported u -> finish(VmState.failed, "unsupported",
          "vCPU %d met an instruction hvx does not implement at rip 0x%x: %s".formatted(u.vcpu(), u.rip(), u.what()),
          summary.reboots());
      case VmOutcome.HostError h -> finish(VmState.failed, "host-error",
          "vCPU %d: hvx failed at rip 0x%x: %s".formatted(h.vcpu(), h.rip(), h.error()), summary.reboots());
    }
    return Behaviors.same();
  }

  private void failVm(String outcome, String reason) {
    closeMachine();
    finish(VmState.failed, outcome, reason, summary.reboots());
  }

  private void finish(VmState state, String outcome, String reason, int reboots) {
    if (state == VmState.failed) {
      context.getLog().warn("VM {} failed: {}", summary.name(), reason);
    }
    console.output().end();
    change(summary.with(state, outcome, reason, reboots));
    for (ActorRef<VmReply> waiting : awaitingEnd) {
      waiting.tell(new VmReply.Accepted(summary));
    }
    awaitingEnd.clear();
  }

  private void change(VmSummary next) {
    summary = next;
    listener.tell(next);
  }

  private void closeMachine() {
    VirtualMachine running = machine;
    machine = null;
    generation++;
    for (int port : nicPorts) {
      nics.hswitch().tell(new HSwitchActor.DetachNic(port));
    }
    nicPorts.clear();
    if (running != null) {
      try {
        running.close();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
