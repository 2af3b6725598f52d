package io.hvx.runtime.vm;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.node.NodeStorage;
import io.hvx.storage.snapshot.CowSnapshot;
import io.hvx.storage.snapshot.NoSuchSnapshotException;
import io.hvx.storage.store.NoSuchImageException;
import io.hvx.storage.store.PushListener;
import io.hvx.storage.store.PushResult;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * The root disks of this node's VMs: one copy-on-write snapshot {@code vm-<id>} per VM over its store image, in the
 * node's snapshot store and read through the node's chunk cache, held open as "VM &lt;id&gt;" while the VM runs.
 */
public final class VmDisks {
  /** For nodes and tests without storage: every VM with an image is refused. */
  public static final VmDisks NONE = new VmDisks(() -> null);

  // The node's storage starts after its actors; a VM is only created once the HTTP endpoint is up.
  private final Supplier<NodeStorage> storage;

  public VmDisks(Supplier<NodeStorage> storage) {
    this.storage = storage;
  }

  static String snapshotOf(String vmId) {
    return "vm-" + vmId;
  }

  static String holderOf(String vmId) {
    return "VM " + vmId;
  }

  /** Starts the VM's root snapshot over image; an unknown image is a {@link VmSpecException}. */
  void create(String vmId, String image) throws IOException {
    NodeStorage node = require();
    try {
      node.snapshots().create(snapshotOf(vmId), image, node.store());
    } catch (NoSuchImageException e) {
      throw new VmSpecException("no image '" + image + "' in the store (see hvx image list; push one with hvx image"
          + " push)");
    }
  }

  /** Opens the VM's root snapshot for its machine; closing the snapshot releases it. */
  CowSnapshot open(String vmId) throws IOException {
    NodeStorage node = require();
    return node.snapshots().open(snapshotOf(vmId), holderOf(vmId), node.store(), node.imageCache().cache());
  }

  /** Checks that an extra disk's source exists on this node; throws {@link VmSpecException} naming it if not. */
  void check(DiskSpec disk) throws IOException {
    NodeStorage node = require();
    boolean found = switch (disk.kind()) {
      case volume -> node.volumes().list().stream().anyMatch(v -> v.name().equals(disk.name()));
      case image -> node.store().contains(disk.name());
      case snapshot -> node.snapshots().contains(disk.name());
    };
    if (!found) {
      throw new VmSpecException("no " + disk.kind() + " '" + disk.name() + "' on this node (see hvx "
          + (disk.kind() == DiskSpec.Kind.image ? "image list" : disk.kind() == DiskSpec.Kind.volume ? "volume list"
          : "image snapshot list") + ")");
    }
  }

  /** Opens an extra disk for the VM's machine; closing the device gives it back. */
  BlockDevice openExtra(String vmId, DiskSpec disk) throws IOException {
    NodeStorage node = require();
    return switch (disk.kind()) {
      case volume -> {
        BlockDevice volume = node.volumes().attach(disk.name());
        if (volume == null) {
          throw new VmSpecException("no volume '" + disk.name() + "' on this node any more");
        }
        yield new SharedBlockDevice(volume, () -> node.volumes().detach(disk.name()));
      }
      case image -> node.store().open(disk.name(), node.imageCache().cache());
      case snapshot -> node.snapshots().open(disk.name(), holderOf(vmId), node.store(), node.imageCache().cache());
    };
  }

  /** Removes the VM's root snapshot and what the VM wrote to it, if it has one. */
  void delete(String vmId) throws IOException {
    NodeStorage node = storage.get();
    if (node == null) {
      return;
    }
    try {
      node.snapshots().delete(snapshotOf(vmId));
    } catch (NoSuchSnapshotException e) {
      // never created (no image) or already gone
    }
  }

  /** Pushes the VM's root snapshot as a new store image; refused while anything holds the snapshot open. */
  PushResult commit(String vmId, String newImage) throws IOException {
    NodeStorage node = require();
    return node.snapshots().commit(snapshotOf(vmId), newImage, node.store(), node.imageCache().cache(), PushListener.NONE);
  }

  private NodeStorage require() {
    NodeStorage node = storage.get();
    if (node == null) {
      throw new VmSpecException("this node has no image store: a VM with an image cannot be created here");
    }
    return node;
  }
}
