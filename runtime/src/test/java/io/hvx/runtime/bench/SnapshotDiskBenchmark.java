package io.hvx.runtime.bench;

import static io.hvx.cpu.bench.VirtioBlkBenchmark.hostRead;
import static io.hvx.cpu.bench.VirtioBlkBenchmark.hostWrite;
import static io.hvx.cpu.bench.VirtioBlkBenchmark.rate;
import static io.hvx.cpu.bench.VirtioBlkBenchmark.timed;

import io.hvx.cpu.vm.GuestConsole;
import io.hvx.cpu.vm.GuestShell;
import io.hvx.cpu.vm.VirtualMachine;
import io.hvx.cpu.vm.VmConfig;
import io.hvx.devices.guestkit.GuestKit;
import io.hvx.devices.virtio.VirtioCounters;
import io.hvx.devices.virtio.blk.VirtioBlk;
import io.hvx.runtime.TestNodes;
import io.hvx.runtime.node.HvxNode;
import io.hvx.storage.node.NodeStorage;
import io.hvx.storage.raw.RawImage;
import io.hvx.storage.snapshot.CowSnapshot;
import io.hvx.storage.store.PushListener;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * In-guest {@code dd} on a VM's root disk wired the way {@code hvx vm create --image} wires it (VmDisks): a per-VM
 * copy-on-write snapshot in the node's snapshot store over a store image, its base read through the node's chunk
 * cache, on hvx's virtio-blk; against the host reading and writing a raw file of the same size, in one run.
 * The guest reads the image cold (chunks come from the store into the cache), again warm (from the cache), then
 * writes it with fsync (copy-on-write into the snapshot) and reads that back, dropping its page cache before each read.
 * Run after building the kit with {@code hvx guest-kit}: SnapshotDiskBenchmark [MIB]
 */
public final class SnapshotDiskBenchmark {
  private static final String IMAGE = "bench-image";
  private static final String VM_ID = "bench";

  private SnapshotDiskBenchmark() {
  }

  public static void main(String[] args) throws Exception {
    int mib = args.length > 0 ? Integer.parseInt(args[0]) : 16;
    long bytes = (long) mib << 20;
    GuestKit.Kit kit = new GuestKit(GuestKit.defaultCacheDir(), System.err).existing();
    if (kit == null) {
      System.err.println("no guest kit in " + GuestKit.defaultCacheDir() + ": run `hvx guest-kit` first");
      System.exit(2);
    }
    Path dir = Files.createTempDirectory("hvx-snapshot-bench");
    Path raw = dir.resolve("image.raw");
    RawImage.create(raw, bytes).close();
    double hostWrite = hostWrite(raw, bytes);
    double hostRead = hostRead(raw, bytes);
    System.out.printf("host raw file: write+fsync %.1f MB/s, read %.1f MB/s (%d MiB)%n", rate(bytes, hostWrite),
        rate(bytes, hostRead), mib);
    try (HvxNode node = HvxNode.start(TestNodes.config("snapshot-bench", dir.resolve("node"), TestNodes.freePort(),
        TestNodes.freePort(), List.of()))) {
      NodeStorage storage = node.storage();
      // every chunk distinct, so that the cold read fetches every chunk from the store (hostWrite repeats one block)
      Path distinct = dir.resolve("distinct.raw");
      byte[] block = new byte[1 << 20];
      try (RawImage source = RawImage.create(distinct, bytes)) {
        for (long at = 0; at < bytes; at += block.length) {
          ThreadLocalRandom.current().nextBytes(block);
          source.write(java.nio.ByteBuffer.wrap(block), at);
        }
        System.out.println("pushed: " + storage.store().push(source, IMAGE, PushListener.NONE));
      }
      // the same calls as VmDisks.create and VmDisks.open, which are the node's own (package-private) wiring
      storage.snapshots().create("vm-" + VM_ID, IMAGE, storage.store());
      // the machine closes its devices, and with them the snapshot, when it is closed (as VmActor's does)
      CowSnapshot disk = storage.snapshots().open("vm-" + VM_ID, "VM " + VM_ID, storage.store(),
          storage.imageCache().cache());
      double[] guest = guest(kit, disk, mib);
      System.out.println("node counters: " + storage.counters());
      System.out.printf("%-44s %12s %8s%n", "MB/s (" + mib + " MiB, 1 MiB blocks)", "write+fsync", "read");
      System.out.printf("%-44s %12.1f %8.1f%n", "host FileChannel, raw file", rate(bytes, hostWrite),
          rate(bytes, hostRead));
      System.out.printf("%-44s %12s %8.1f%n", "hvx guest dd, snapshot base, cold cache", "", rate(bytes, guest[0]));
      System.out.printf("%-44s %12s %8.1f%n", "hvx guest dd, snapshot base, warm cache", "", rate(bytes, guest[1]));
      System.out.printf("%-44s %12.1f %8.1f%n", "hvx guest dd, snapshot's own written blocks", rate(bytes, guest[2]),
          rate(bytes, guest[3]));
      System.out.printf("ratio guest/host time: write %.1f, read cold %.1f, warm %.1f, written %.1f%n",
          guest[2] / hostWrite, guest[0] / hostRead, guest[1] / hostRead, guest[3] / hostRead);
    } finally {
      try (var files = Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    System.exit(0);
  }

  /** Seconds of the guest's cold read, warm read, write+fsync and read of what it wrote (2 vCPUs, 256 MiB). */
  private static double[] guest(GuestKit.Kit kit, CowSnapshot disk, int mib) throws Exception {
    GuestConsole console = new GuestConsole();
    VmConfig config = new VmConfig(2, 256L << 20, Files.readAllBytes(kit.kernel()), Files.readAllBytes(kit.initrd()),
        "console=ttyS0 panic=-1", true, List.of(m -> new VirtioBlk(disk, "bench", 1, m.ram(), new VirtioCounters())));
    try (VirtualMachine vm = new VirtualMachine(config, console::write)) {
      long start = System.nanoTime();
      vm.start();
      console.await(Pattern.compile(Pattern.quote(GuestKit.PROMPT)), 0, Duration.ofMinutes(20));
      System.out.printf("hvx: shell prompt after %.1f s%n", (System.nanoTime() - start) / 1e9);
      GuestShell shell = new GuestShell(vm, console);
      String device = shell.run("[ -b /dev/vda ] && echo block || echo missing").strip();
      if (!device.equals("block")) {
        throw new IllegalStateException("the guest has no /dev/vda block device (" + device
            + "): the kit's virtio modules did not load; rebuild it with `hvx guest-kit --refresh`");
      }
      // no device at all: what the guest's CPU alone gives dd, the bound on every figure below
      timed(shell, "hvx", "dd if=/dev/zero of=/dev/null bs=1M count=" + mib);
      String read = "dd if=/dev/vda of=/dev/null bs=1M count=" + mib;
      double cold = timed(shell, "hvx", read);
      shell.run("echo 3 > /proc/sys/vm/drop_caches");
      double warm = timed(shell, "hvx", read);
      double write = timed(shell, "hvx", "dd if=/dev/zero of=/dev/vda bs=1M count=" + mib + " conv=fsync");
      shell.run("echo 3 > /proc/sys/vm/drop_caches");
      double written = timed(shell, "hvx", read);
      vm.type("poweroff -f\n".getBytes(StandardCharsets.US_ASCII));
      vm.await(Duration.ofMinutes(1));
      return new double[] {cold, warm, write, written};
    }
  }
}
