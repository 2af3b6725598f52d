package io.hvx.runtime.vm;

import io.hvx.config.serialization.ClusterMessage;
import java.util.List;

/**
 * What the cluster knows about one VM, replicated to every node: where it runs, its state and, once it ended, how
 * ({@code outcome}: poweroff, stopped, triple-fault, unsupported, host-error; {@code reason} the details).
 * {@code image} is the store image the VM's root disk started from (null: none).
 * {@code nodeAddress} is the node's cluster address: VMs of a node that left the cluster are not listed.
 */
public record VmSummary(String id, String name, String node, String nodeUrl, String nodeAddress, VmState state, int vcpus,
    long memoryBytes, String kernel, String initrd, String cmdline, List<String> disks,
    List<String> nics, String image, String outcome, String reason, int reboots, long changedAt)
    implements ClusterMessage {

  VmSummary with(VmState newState, String newOutcome, String newReason, int newReboots) {
    return new VmSummary(id, name, node, nodeUrl, nodeAddress, newState, vcpus, memoryBytes, kernel, initrd, cmdline, disks, nics,
        image, newOutcome, newReason, newReboots, System.currentTimeMillis());
  }
}
