package io.hvx.runtime.vm;

import io.hvx.cpu.vm.VmConfig;
import io.hvx.devices.guestkit.GuestKit;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a user asks for when defining a VM. {@code image}, when set, is the store image the VM's root disk is a
 * copy-on-write snapshot of; null kernel and initrd mean the node's guest kit (its disk variant with an image, whose
 * command line, left null, names the VM). Each of {@code nics} is a {@link NicSpec}, a virtio-net NIC on the node's
 * hSwitch; each of {@code disks} a {@link DiskSpec}, an extra virtio-blk disk after the root one.
 */
public record VmSpec(String name, int vcpus, long memoryBytes, Path kernel, Path initrd, String cmdline,
    List<String> disks, List<String> nics, String image) {
  public static final int MAX_VCPUS = 64;
  public static final long MIN_MEMORY = 16L << 20;
  public static final long DEFAULT_MEMORY = 256L << 20;
  public static final int DEFAULT_VCPUS = 2;
  public static final String DEFAULT_CMDLINE = "console=ttyS0 panic=-1";
  static final int DISK_ROOT_WAIT_SECONDS = 120;
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern IMAGE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final int MAX_CMDLINE = 2048;
  private static final int MAX_ATTACHMENTS = 16;

  public VmSpec {
    disks = disks == null ? List.of() : List.copyOf(disks);
    nics = nics == null ? List.of() : List.copyOf(nics);
    // a VM with an image boots the disk kit's command line, which names the VM: see withBootCmdline
    cmdline = cmdline == null && image == null ? DEFAULT_CMDLINE : cmdline;
  }

  /** A VM without a root disk image. */
  public VmSpec(String name, int vcpus, long memoryBytes, Path kernel, Path initrd, String cmdline,
      List<String> disks, List<String> nics) {
    this(name, vcpus, memoryBytes, kernel, initrd, cmdline, disks, nics, null);
  }

  /**
   * Checks everything that can be checked on this node (a null name is given one later); throws {@link VmSpecException}
   * naming the first problem.
   */
  public VmSpec validate() {
    if (name != null && !NAME.matcher(name).matches()) {
      throw new VmSpecException("name '" + name + "': use 1-63 lower-case letters, digits and '-', starting and"
          + " ending with a letter or digit");
    }
    if (vcpus < 1 || vcpus > MAX_VCPUS) {
      throw new VmSpecException(vcpus + " vCPUs: a VM has 1 to " + MAX_VCPUS);
    }
    if (memoryBytes < MIN_MEMORY || memoryBytes > VmConfig.MAX_MEMORY) {
      throw new VmSpecException((memoryBytes >> 20) + " MiB of memory: a VM has " + (MIN_MEMORY >> 20) + " to "
          + (VmConfig.MAX_MEMORY >> 20) + " MiB");
    }
    if (kernel == null && initrd != null) {
      throw new VmSpecException("an initrd without a kernel: give the kernel too, or neither for the guest kit");
    }
    readable("kernel", kernel);
    readable("initrd", initrd);
    if (image != null && !IMAGE.matcher(image).matches()) {
      throw new VmSpecException("image '" + image + "': name a store image (see hvx image list)");
    }
    if (cmdline != null && (cmdline.length() > MAX_CMDLINE || cmdline.chars().anyMatch(c -> c < 0x20 || c > 0x7e))) {
      throw new VmSpecException("the kernel command line must be printable ASCII of at most " + MAX_CMDLINE
          + " characters");
    }
    if (disks.size() > MAX_ATTACHMENTS || nics.size() > MAX_ATTACHMENTS) {
      throw new VmSpecException("at most " + MAX_ATTACHMENTS + " disks and " + MAX_ATTACHMENTS + " NICs per VM");
    }
    diskSpecs();
    nicSpecs();
    return this;
  }

  /** The extra disks, parsed; throws {@link VmSpecException} for the first bad one. */
  public List<DiskSpec> diskSpecs() {
    return disks.stream().map(DiskSpec::parse).toList();
  }

  /** The NICs, parsed; throws {@link VmSpecException} for the first bad one. */
  public List<NicSpec> nicSpecs() {
    return nics.stream().map(NicSpec::parse).toList();
  }

  /** This spec with the guest kit's files where none were given. */
  public VmSpec withBootFiles(Path defaultKernel, Path defaultInitrd) {
    return kernel != null ? this
        : new VmSpec(name, vcpus, memoryBytes, defaultKernel, defaultInitrd, cmdline, disks, nics, image);
  }

  public VmSpec withName(String newName) {
    return new VmSpec(newName, vcpus, memoryBytes, kernel, initrd, cmdline, disks, nics, image);
  }

  /**
   * This spec with the command line it boots with: a disk-kit VM without one gets the kit's, naming the VM, and a
   * long wait for its root disk (the software CPU probes devices slowly on a loaded host).
   */
  public VmSpec withBootCmdline() {
    return cmdline != null ? this : new VmSpec(name, vcpus, memoryBytes, kernel, initrd,
        GuestKit.diskCmdline(name) + " hvx.rootwait=" + DISK_ROOT_WAIT_SECONDS, disks, nics, image);
  }

  private static void readable(String what, Path file) {
    if (file == null) {
      return;
    }
    if (!file.isAbsolute()) {
      throw new VmSpecException(what + " '" + file + "': give an absolute path on the node");
    }
    if (!Files.isRegularFile(file)) {
      throw new VmSpecException(what + " '" + file + "' does not exist on this node or is not a file");
    }
    if (!Files.isReadable(file)) {
      throw new VmSpecException(what + " '" + file + "' is not readable by the node's user");
    }
  }
}
