package io.hvx.devices.testing;

import io.hvx.devices.guestkit.GuestKit;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The guest kit running under the peer VMM, QEMU's microvm with TCG, its serial console on stdio. */
public final class QemuMicrovm implements AutoCloseable {

    private final Process process;
    private final StringBuilder output = new StringBuilder();

    private QemuMicrovm(Process process) {
        this.process = process;
        Thread.ofPlatform().daemon().start(this::pump);
    }

    public static QemuMicrovm boot(GuestKit.Kit kit, int vcpus, String append) throws IOException {
        return boot(kit.kernel(), kit.initrd(), vcpus, append, List.of());
    }

    /** Boots {@code kernel} and {@code initrd} with {@code devices}: more QEMU arguments, such as virtio-mmio devices. */
    public static QemuMicrovm boot(Path kernel, Path initrd, int vcpus, String append, List<String> devices) throws IOException {
        List<String> command = new ArrayList<>(List.of("qemu-system-x86_64", "-accel", "tcg", "-M",
            "microvm,isa-serial=on,rtc=on", "-cpu", "max", "-m", "256", "-smp", Integer.toString(vcpus),
            "-nographic", "-no-reboot", "-kernel", kernel.toString(), "-initrd", initrd.toString(),
            "-append", append));
        command.addAll(devices);
        return new QemuMicrovm(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    private void pump() {
        try (InputStream in = process.getInputStream()) {
            byte[] buffer = new byte[4096];
            int n;
            while ((n = in.read(buffer)) > 0) {
                synchronized (output) {
                    output.append(new String(buffer, 0, n, StandardCharsets.ISO_8859_1));
                    output.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process ended; the output so far stays readable
        }
    }

    /** Waits until the console has shown {@code text} after position {@code from}; returns the position after it, or -1. */
    public int await(String text, int from, long timeoutSeconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        synchronized (output) {
            while (true) {
                int at = output.indexOf(text, from);
                if (at >= 0) {
                    return at + text.length();
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || !process.isAlive() && output.indexOf(text, from) < 0) {
                    return -1;
                }
                output.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(Math.min(left, 200_000_000L))));
            }
        }
    }

    /** As {@link #await}, failing the test with {@code what} and the console output when the text does not come. */
    public int expect(String text, int from, long timeoutSeconds, String what) throws InterruptedException {
        int at = await(text, from, timeoutSeconds);
        org.junit.jupiter.api.Assertions.assertTrue(at > 0, () -> what + " (no \"" + text + "\"):\n" + output());
        return at;
    }

    /** Types {@code poweroff -f} and fails the test unless QEMU exits within a minute. */
    public void powerOff() throws IOException, InterruptedException {
        type("poweroff -f\n");
        org.junit.jupiter.api.Assertions.assertTrue(waitForExit(60), () -> "poweroff -f did not end the VM:\n" + output());
    }

    public void type(String line) throws IOException {
        process.getOutputStream().write(line.getBytes(StandardCharsets.US_ASCII));
        process.getOutputStream().flush();
    }

    public String output() {
        synchronized (output) {
            return output.toString();
        }
    }

    public boolean waitForExit(long seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
