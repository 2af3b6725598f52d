package io.hvx.runtime.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.cpu.vm.VmConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmSpecTest {
  @TempDir Path dir;

  private VmSpec spec(String name, int vcpus, long memory, Path kernel, Path initrd) {
    return new VmSpec(name, vcpus, memory, kernel, initrd, null, List.of(), List.of());
  }

  private static String refusal(VmSpec spec) {
    return assertThrows(VmSpecException.class, spec::validate).getMessage();
  }

  @Test
  void aSpecWithDefaultsIsValidAndGetsTheDefaultCommandLine() {
    VmSpec spec = spec(null, 2, VmSpec.DEFAULT_MEMORY, null, null).validate();
    assertEquals(VmSpec.DEFAULT_CMDLINE, spec.cmdline());
    assertEquals(List.of(), spec.disks());
  }

  @Test
  void vcpusOutside1To64AreRefused() {
    assertTrue(refusal(spec("a", 0, 256L << 20, null, null)).contains("1 to 64"));
    assertTrue(refusal(spec("a", 65, 256L << 20, null, null)).contains("1 to 64"));
    spec("a", 64, 256L << 20, null, null).validate();
  }

  @Test
  void memoryAboveTheMachineLimitIsRefused() {
    String message = refusal(spec("a", 1, VmConfig.MAX_MEMORY + (1 << 20), null, null));
    assertTrue(message.contains("MiB"), message);
    spec("a", 1, VmConfig.MAX_MEMORY, null, null).validate();
  }

  @Test
  void badNamesAreRefusedWithTheRule() {
    for (String bad : List.of("", "Upper", "-lead", "trail-", "under_score", "x".repeat(64))) {
      assertTrue(refusal(spec(bad, 1, 256L << 20, null, null)).contains("lower-case"), bad);
    }
    spec("web-1", 1, 256L << 20, null, null).validate();
  }

  @Test
  void bootFilesMustExistBeReadableAndBeAbsolute() throws Exception {
    Path kernel = Files.writeString(dir.resolve("vmlinuz"), "k");
    assertTrue(refusal(spec("a", 1, 256L << 20, dir.resolve("missing"), null)).contains("does not exist"));
    assertTrue(refusal(spec("a", 1, 256L << 20, Path.of("relative"), null)).contains("absolute"));
    assertTrue(refusal(spec("a", 1, 256L << 20, null, kernel)).contains("without a kernel"));
    Path unreadable = Files.writeString(dir.resolve("secret"), "s");
    if (unreadable.toFile().setReadable(false) && !Files.isReadable(unreadable)) {
      assertTrue(refusal(spec("a", 1, 256L << 20, unreadable, null)).contains("not readable"));
    } else {
      System.out.println("cannot make a file unreadable here (running as root?): the readable check is not exercised");
    }
    spec("a", 1, 256L << 20, kernel, null).validate();
  }

  @Test
  void nicsAndDisksMustBeWellFormedAndTheCommandLineMustBePrintable() {
    VmSpec badNic = new VmSpec("a", 1, 256L << 20, null, null, null, List.of(), List.of("no spaces"));
    assertTrue(refusal(badNic).contains("NIC"));
    VmSpec badCmdline = new VmSpec("a", 1, 256L << 20, null, null, "console=ttyS0\n", List.of(), List.of());
    assertTrue(refusal(badCmdline).contains("printable"));
    VmSpec badDisk = new VmSpec("a", 1, 256L << 20, null, null, null, List.of("images/disk.qcow2"), List.of());
    assertTrue(refusal(badDisk).contains("use volume=NAME, image=NAME or snapshot=NAME"));
    VmSpec groupMac = new VmSpec("a", 1, 256L << 20, null, null, null, List.of(), List.of("net-1,mac=03:00:00:00:00:01"));
    assertTrue(refusal(groupMac).contains("unicast MAC"));
    VmSpec badIp = new VmSpec("a", 1, 256L << 20, null, null, null, List.of(), List.of("net-1,ip=10.0.0.300"));
    assertTrue(refusal(badIp).contains("0..255"));
    VmSpec good = new VmSpec("a", 1, 256L << 20, null, null, null, List.of("volume=data", "image=base"),
        List.of("net-1,mac=02:00:00:00:00:07,ip=10.0.0.5")).validate();
    assertEquals(new NicSpec("net-1", 0x0200_0000_0007L, "10.0.0.5"), good.nicSpecs().get(0));
    assertEquals(new DiskSpec(DiskSpec.Kind.volume, "data"), good.diskSpecs().get(0));
    assertEquals(0x02_12ab_34cd_01L, NicSpec.parse("net-1").macFor("12ab34cd", 1), "MAC from the VM id, stable");
    VmSpec fromImage = new VmSpec("web-1", 1, 256L << 20, null, null, null, List.of(), List.of(), "disk-kit").validate();
    assertTrue(fromImage.withBootCmdline().cmdline().contains("root=/dev/vda"), "the disk kit's command line");
    assertTrue(fromImage.withBootCmdline().cmdline().contains("hvx.hostname=web-1"), "naming the VM");
    assertEquals(VmSpec.DEFAULT_CMDLINE, new VmSpec("a", 1, 256L << 20, null, null, null, List.of(), List.of())
        .withBootCmdline().cmdline(), "a VM without an image keeps the plain default");
  }
}
