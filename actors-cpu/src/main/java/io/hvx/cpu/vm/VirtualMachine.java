package io.hvx.cpu.vm;

import io.hvx.cpu.mmu.PhysicalMemory;
import io.hvx.cpu.system.BootState;
import io.hvx.cpu.system.SystemCpuid;
import io.hvx.cpu.system.Tsc;
import io.hvx.cpu.system.Vcpu;
import io.hvx.cpu.system.VcpuExit;
import io.hvx.devices.boot.KernelImageException;
import io.hvx.devices.irq.LocalApic;
import io.hvx.devices.machine.DeviceFactory;
import io.hvx.devices.machine.Machine;
import io.hvx.devices.machine.MachineConfig;
import io.hvx.devices.power.MachineControl;
import io.hvx.devices.serial.ByteSink;
import io.hvx.devices.serial.Uart16550;
import io.hvx.devices.time.GuestClock;
import io.hvx.devices.time.TimeSource;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One runnable VM: hvx's machine model with software vCPUs, one thread each. The boot vCPU enters the loaded kernel,
 * the others wait for INIT/SIPI; the VM ends when the guest powers off or resets, a vCPU fails, or {@link #stop()}.
 */
public final class VirtualMachine implements AutoCloseable {
    private static final long HALTED_WAIT_NANOS = 10_000_000;

    private final Machine machine;
    private final PhysicalMemory memory;
    private final Vcpu[] vcpus;
    private final Thread[] threads;
    private final CompletableFuture<VmOutcome> outcome = new CompletableFuture<>();
    private volatile Thread inputFeeder;
    private final Object pauseGate = new Object();
    private volatile boolean paused;

    /** Assembles the machine and loads the kernel; nothing runs until {@link #start()}. */
    public VirtualMachine(VmConfig config, ByteSink console) throws KernelImageException {
        // the guest's TSC (SystemCpuid's rate) and the APIC timers' clock count from the same host instant
        GuestClock clock = new GuestClock(TimeSource.SYSTEM, SystemCpuid.TSC_HZ, SystemCpuid.CRYSTAL_HZ);
        long origin = System.nanoTime() - clock.nanos();
        MachineControl control = new MachineControl() {
            @Override
            public void powerOff() {
                finish(new VmOutcome.PowerOff());
            }

            @Override
            public void reset() {
                finish(new VmOutcome.Reset());
            }
        };
        machine = Machine.create(new MachineConfig(config.vcpus(), config.memoryBytes(), console, control, clock));
        try {
            for (DeviceFactory factory : config.devices()) {
                machine.attachVirtio(factory.create(machine));
            }
            io.hvx.devices.boot.BootState boot = machine.boot(config.kernel(), config.initrd(), config.cmdline(),
                    config.decompressOnHost());
            memory = new PhysicalMemory(machine.ram().segment(), machine.bus());
            vcpus = new Vcpu[config.vcpus()];
            threads = new Thread[vcpus.length];
            for (int i = 0; i < vcpus.length; i++) {
                LocalApic apic = machine.apic(i);
                BootState start = i == 0
                        ? BootState.longMode(boot.rip(), boot.rsp(), boot.rsi(), boot.cr3(), boot.gdtBase(),
                                boot.gdtLimit())
                        : BootState.waitForSipi();
                vcpus[i] = new Vcpu(memory, apic,
                        (tsc, nanoTime) -> apic.writeTscDeadlineMsr(tsc == 0 ? 0 : Math.max(1, nanoTime - origin)),
                        new Tsc(origin), i, vcpus.length, start);
                int index = i;
                threads[i] = Thread.ofPlatform().name("vcpu-" + i).daemon().unstarted(() -> runVcpu(index));
            }
        } catch (RuntimeException | KernelImageException e) {
            machine.close();
            throw e;
        }
    }

    /** Starts every vCPU thread. */
    public void start() {
        for (int i = 0; i < threads.length; i++) {
            startVcpu(i);
        }
    }

    /** Starts vCPU {@code index}'s thread (once); its owner calls it when the VM runs. */
    public void startVcpu(int index) {
        threads[index].start();
    }

    /** Stops every vCPU at its next instruction boundary until {@link #resume()}; guest time keeps running. */
    public void pause() {
        paused = true;
        for (Vcpu v : vcpus) {
            v.stop();
        }
    }

    /** Lets paused vCPUs continue where they stopped. */
    public void resume() {
        synchronized (pauseGate) {
            paused = false;
            pauseGate.notifyAll();
        }
    }

    private void awaitResume() {
        synchronized (pauseGate) {
            while (paused && !outcome.isDone()) {
                try {
                    pauseGate.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Completes with the outcome when the VM ends. */
    public CompletionStage<VmOutcome> whenDone() {
        return outcome.copy();
    }

    private void runVcpu(int index) {
        Vcpu vcpu = vcpus[index];
        LocalApic apic = machine.apic(index);
        machine.apicWindow().bind(apic);
        while (!outcome.isDone()) {
            VcpuExit exit;
            try {
                exit = vcpu.run();
            } catch (RuntimeException | Error e) {
                finish(new VmOutcome.HostError(index, e.toString(), vcpu.cpu().rip));
                return;
            }
            switch (exit) {
                case VcpuExit.Stopped s -> awaitResume();
                case VcpuExit.Budget b -> { }
                // HLT with interrupts off: only NMI or INIT resume it
                case VcpuExit.Halted h -> apic.awaitEvent(false, HALTED_WAIT_NANOS);
                case VcpuExit.TripleFault f -> finish(new VmOutcome.TripleFault(index, f.reason(), f.rip()));
                case VcpuExit.Unsupported u -> finish(new VmOutcome.Unsupported(index, u.what(), u.rip()));
            }
        }
    }

    private void finish(VmOutcome result) {
        if (outcome.complete(result)) {
            for (Vcpu v : vcpus) {
                v.stop();
            }
            synchronized (pauseGate) {
                pauseGate.notifyAll();
            }
            Thread feeder = inputFeeder;
            if (feeder != null) {
                feeder.interrupt();
            }
        }
    }

    /** Ends the VM from the host. */
    public void stop() {
        finish(new VmOutcome.Stopped());
    }

    /** Waits for the VM to end; null when {@code timeout} passes first. */
    public VmOutcome await(Duration timeout) throws InterruptedException {
        try {
            return outcome.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return null;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Feeds the console (COM1) from {@code input} on a daemon thread, waiting while the UART's buffer is full. */
    public void connectInput(InputStream input) {
        Thread t = Thread.ofPlatform().name("vm-console-input").daemon().unstarted(() -> feed(input));
        inputFeeder = t;
        t.start();
    }

    /** Queues bytes for the console, waiting while the UART's buffer is full. */
    public void type(byte[] bytes) throws InterruptedException {
        Uart16550 uart = machine.console();
        int at = 0;
        while (at < bytes.length && !outcome.isDone()) {
            at += uart.receive(bytes, at, bytes.length - at);
            if (at < bytes.length) {
                Thread.sleep(1);
            }
        }
    }

    private void feed(InputStream input) {
        byte[] buffer = new byte[4096];
        try {
            int n;
            while (!outcome.isDone() && (n = input.read(buffer)) > 0) {
                type(Arrays.copyOf(buffer, n));
            }
        } catch (IOException | InterruptedException e) {
            // the VM ended or the input closed: nothing more to feed
        }
    }

    /** Instructions all vCPUs completed (approximate while running). */
    public long retired() {
        long sum = 0;
        for (Vcpu v : vcpus) {
            sum += v.retired();
        }
        return sum;
    }

    /** vCPU {@code index}'s RIP as last written by its thread (a racy read, for sampling profilers). */
    public long rip(int index) {
        return vcpus[index].cpu().rip;
    }

    /** One line per vCPU: instructions retired, RIP, CR0 and the code mode, for diagnostics. */
    public String describeVcpus() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < vcpus.length; i++) {
            Vcpu v = vcpus[i];
            out.append("vcpu %d: %d instructions, rip 0x%x, cr0 0x%x, mode %d%n".formatted(i, v.retired(),
                    v.cpu().rip, v.system().cr0, v.system().codeMode));
        }
        return out.toString();
    }

    public int vcpuCount() {
        return vcpus.length;
    }

    /** Stops the vCPUs, waits for their threads and releases guest RAM. */
    @Override
    public void close() throws InterruptedException {
        stop();
        for (Thread t : threads) {
            if (t.getState() != Thread.State.NEW) {
                t.join(5_000);
            }
        }
        machine.close();
    }
}
