package io.hvx.cpu.vm;

/** Why a {@link VirtualMachine} ended. */
public sealed interface VmOutcome {
    /** The guest powered the machine off (ACPI S5). */
    record PowerOff() implements VmOutcome { }

    /** The guest asked for a reset; a bare {@link VirtualMachine} ends; a VM actor reboots it. */
    record Reset() implements VmOutcome { }

    /** The host stopped the VM. */
    record Stopped() implements VmOutcome { }

    /** A vCPU could not deliver an exception (a real machine would shut down). */
    record TripleFault(int vcpu, String reason, long rip) implements VmOutcome { }

    /** A vCPU met something hvx's CPU does not implement. */
    record Unsupported(int vcpu, String what, long rip) implements VmOutcome { }

    /** hvx itself failed on a vCPU thread (a device or the CPU threw); the guest is not to blame. */
    record HostError(int vcpu, String error, long rip) implements VmOutcome { }
}
