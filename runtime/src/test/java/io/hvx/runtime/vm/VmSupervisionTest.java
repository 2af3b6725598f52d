package io.hvx.runtime.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.hvx.devices.guestkit.GuestKit;
import io.hvx.devices.guestkit.GuestKitException;
import io.hvx.devices.serial.ByteSink;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guest and host failures end only the VM they hit: one VM whose kernel is not a kernel and one whose UART throws on
 * the vCPU thread (an injected device fault) end in state failed with the reason, while a third VM keeps running
 * and the node's actors keep answering. The third VM boots only partly (it is stopped), so no full boot is paid.
 */
class VmSupervisionTest {
  @TempDir Path dir;
  private ActorTestKit testKit;

  @AfterEach
  void shutdown() {
    if (testKit != null) {
      testKit.shutdownTestKit();
    }
  }

  private static VmSpec spec(String name, Path kernel, Path initrd, String cmdline) {
    return new VmSpec(name, 1, 128L << 20, kernel, initrd, cmdline, List.of(), List.of());
  }

  private static VmSummary accepted(TestProbe<VmReply> probe) {
    VmReply reply = probe.receiveMessage(Duration.ofSeconds(60));
    return assertInstanceOf(VmReply.Accepted.class, reply, () -> "refused: " + reply).vm();
  }

  private VmSummary show(ActorRef<VmManager.Command> vms, String name) {
    TestProbe<VmReply> probe = testKit.createTestProbe();
    vms.tell(new VmManager.Show(name, probe.ref()));
    return accepted(probe);
  }

  @Test
  @Timeout(value = 8, unit = java.util.concurrent.TimeUnit.MINUTES)
  void aFailingVmEndsFailedWithItsReasonWhileAnotherVmAndTheNodeKeepRunning() throws Exception {
    GuestKit.Kit kit;
    try {
      kit = GuestKitFiles.require(new PrintStream(System.out));
    } catch (GuestKitException e) {
      Assumptions.abort("the guest kit (Debian kernel, busybox-static) cannot be had here: " + e.getMessage());
      return;
    }
    testKit = ActorTestKit.create(ConfigFactory.parseString("""
        pekko.actor.provider = cluster
        pekko.remote.artery.canonical.hostname = 127.0.0.1
        pekko.remote.artery.canonical.port = 0
        """).withFallback(ConfigFactory.load()));
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    ByteSink failingUart = b -> {
      throw new IllegalStateException("injected UART fault");
    };
    ActorRef<VmManager.Command> vms = testKit.spawn(VmManager.create("test-node", "http://127.0.0.1:1",
        spec -> spec.name().equals("faulty") ? failingUart : null, VmDisks.NONE, VmNetwork.NONE), "vms");
    TestProbe<VmReply> probe = testKit.createTestProbe();

    byte[] noise = new byte[64 * 1024];
    new Random(1).nextBytes(noise);
    Path bogus = Files.write(dir.resolve("not-a-kernel"), noise);
    vms.tell(new VmManager.Create(spec("bogus", bogus, null, null), true, probe.ref()));
    VmSummary bogusVm = accepted(probe);
    assertEquals(VmState.failed, bogusVm.state(), bogusVm.toString());
    assertEquals("bad-kernel", bogusVm.outcome());

    vms.tell(new VmManager.Create(spec("healthy", kit.kernel(), kit.initrd(), null), true, probe.ref()));
    assertEquals(VmState.running, accepted(probe).state());
    // earlyprintk makes the kernel write to the UART within its first steps
    vms.tell(new VmManager.Create(spec("faulty", kit.kernel(), kit.initrd(), "console=ttyS0 earlyprintk=ttyS0"), true,
        probe.ref()));
    assertEquals(VmState.running, accepted(probe).state());

    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    VmSummary faulty = show(vms, "faulty");
    while (faulty.state() == VmState.running && System.nanoTime() < deadline) {
      Thread.sleep(200);
      faulty = show(vms, "faulty");
    }
    assertEquals(VmState.failed, faulty.state(), faulty.toString());
    assertEquals("host-error", faulty.outcome());
    assertTrue(faulty.reason().contains("injected UART fault"), faulty.reason());

    assertEquals(VmState.running, show(vms, "healthy").state(), "the other VM keeps running");
    vms.tell(new VmManager.Act("healthy", VmManager.Action.stop, probe.ref()));
    VmSummary stopped = accepted(probe);
    assertEquals(VmState.stopped, stopped.state());
    assertEquals("stopped", stopped.outcome());

    TestProbe<List<VmSummary>> list = testKit.createTestProbe();
    vms.tell(new VmManager.ListVms(list.ref()));
    assertEquals(List.of("bogus", "faulty", "healthy"),
        list.receiveMessage().stream().map(VmSummary::name).toList(), "the node's VM actors still answer");
  }
}
