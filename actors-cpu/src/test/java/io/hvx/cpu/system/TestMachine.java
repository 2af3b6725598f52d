package io.hvx.cpu.system;

import io.hvx.cpu.mmu.PhysicalMemory;
import io.hvx.devices.bus.InterruptSource;
import io.hvx.devices.bus.IoBus;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;

/**
 * A minimal machine for system-mode tests: RAM, a bus, and an interrupt source the test fills by hand (standing in
 * for the local APIC, which the machine model provides).
 */
final class TestMachine implements AutoCloseable {
    static final long TABLES = 0x10000;
    static final long CODE = 0x100000;
    final Arena arena = Arena.ofShared();
    final IoBus bus = new IoBus();
    final PhysicalMemory memory;
    final Interrupts interrupts = new Interrupts();

    TestMachine(long ramBytes) {
        memory = new PhysicalMemory(arena.allocate(ramBytes, 4096), bus);
    }

    /** A vCPU in 64-bit mode at CODE with the boot protocol's tables, running {@code code} linked at CODE. */
    Vcpu longMode(byte[] code) {
        BootState boot = BootState.linux64(memory, TABLES, CODE, 0x7000);
        memory.load(CODE, code);
        return new Vcpu(memory, interrupts, TscDeadline.NONE, new Tsc(System.nanoTime()), 0, 1, boot);
    }

    long read64(long pa) {
        return memory.ram().get(ValueLayout.JAVA_LONG_UNALIGNED, pa);
    }

    @Override
    public void close() {
        arena.close();
    }

    /** Interrupts queued by the test, acknowledged in order. */
    static final class Interrupts implements InterruptSource {
        final ArrayDeque<Integer> pending = new ArrayDeque<>();
        int acknowledged;
        int startupVector = -1;

        @Override
        public synchronized boolean hasPendingInterrupt() {
            return !pending.isEmpty();
        }

        @Override
        public synchronized int acknowledgeInterrupt() {
            Integer v = pending.poll();
            if (v == null) {
                return -1;
            }
            acknowledged++;
            return v;
        }

        @Override
        public boolean takeNmi() {
            return false;
        }

        @Override
        public boolean takeInit() {
            return false;
        }

        @Override
        public synchronized int takeStartupVector() {
            int v = startupVector;
            startupVector = -1;
            return v;
        }
    }
}
