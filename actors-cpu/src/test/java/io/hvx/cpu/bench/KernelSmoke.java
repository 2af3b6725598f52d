package io.hvx.cpu.bench;

import io.hvx.cpu.mmu.PhysicalMemory;
import io.hvx.cpu.system.BootState;
import io.hvx.cpu.system.TscDeadline;
import io.hvx.cpu.system.Tsc;
import io.hvx.cpu.system.Vcpu;
import io.hvx.cpu.system.VcpuExit;
import io.hvx.devices.bus.IoBus;
import io.hvx.devices.bus.PortDevice;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A developer's probe, not a test and not the machine model: enters a bzImage through the 64-bit boot protocol on
 * one vCPU with only a transmit-only COM1, and prints the serial output and how the vCPU stopped. It shows how far
 * the CPU alone carries the kernel. Usage: KernelSmoke BZIMAGE [SECONDS]
 */
public final class KernelSmoke {
    private KernelSmoke() {
    }

    public static void main(String[] args) throws Exception {
        byte[] image = Files.readAllBytes(Path.of(args[0]));
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : 60;
        ByteBuffer hdr = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        int setupSects = image[0x1F1] == 0 ? 4 : image[0x1F1] & 0xFF;
        int kernelAt = (setupSects + 1) * 512;
        long ramSize = 256L << 20;
        try (Arena arena = Arena.ofShared()) {
            IoBus bus = new IoBus();
            StringBuilder serial = new StringBuilder();
            Vcpu[] cpu = new Vcpu[1];
            long start = System.nanoTime();
            bus.registerPorts(0x3F8, 8, new PortDevice() {
                @Override
                public int in(int port, int size) {
                    return port == 0x3FD ? 0x60 : 0;
                }

                @Override
                public void out(int port, int size, int value) {
                    if (port == 0x3F8) {
                        System.out.print((char) (value & 0xFF));
                        serial.append((char) (value & 0xFF));
                        if (serial.length() > 13 && serial.lastIndexOf("Linux version") == serial.length() - 13) {
                            System.out.printf("%n--- decompressor done: %d instructions, %.1f s%n", cpu[0].retired(),
                                    (System.nanoTime() - start) / 1e9);
                        }
                    }
                }
            });
            PhysicalMemory mem = new PhysicalMemory(arena.allocate(ramSize, 4096), bus);
            byte[] kernel = java.util.Arrays.copyOfRange(image, kernelAt, image.length);
            mem.load(0x100000, kernel);
            ByteBuffer zp = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
            int headerEnd = 0x202 + (image[0x201] & 0xFF);
            zp.position(0x1F1);
            zp.put(image, 0x1F1, headerEnd - 0x1F1);
            zp.put(0x210, (byte) 0xFF); // type_of_loader
            zp.put(0x211, (byte) (image[0x211] | 1));
            byte[] cmdline = "console=ttyS0 earlyprintk=serial,ttyS0,115200 nokaslr lpj=1000000\0"
                    .getBytes(StandardCharsets.US_ASCII);
            mem.load(0x20000, cmdline);
            zp.putInt(0x228, 0x20000);
            zp.put(0x1E8, (byte) 2);
            zp.putLong(0x2D0, 0).putLong(0x2D8, 0x9FC00).putInt(0x2E0, 1);
            zp.putLong(0x2E4, 0x100000).putLong(0x2EC, ramSize - 0x100000).putInt(0x2F4, 1);
            mem.load(0x7000, zp.array());
            BootState boot = BootState.linux64(mem, 0x80000, 0x100000 + 0x200, 0x7000);
            Vcpu vcpu = new Vcpu(mem, SystemModeBenchmark.NO_INTERRUPTS, TscDeadline.NONE, new Tsc(System.nanoTime()), 0, 1, boot);
            cpu[0] = vcpu;
            long t0 = System.nanoTime();
            VcpuExit exit;
            do {
                exit = vcpu.run(50_000_000);
            } while (exit instanceof VcpuExit.Budget && System.nanoTime() - t0 < seconds * 1_000_000_000L);
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("%n--- %s after %.1f s, %d instructions (%.1f MIPS), %d blocks built, rip 0x%x, cr2 0x%x%n",
                    exit, s, vcpu.retired(), vcpu.retired() / s / 1e6, vcpu.blocksBuilt(), vcpu.cpu().rip,
                    vcpu.system().cr2);
            StringBuilder bytes = new StringBuilder();
            for (int k = 0; k < 16; k++) {
                try {
                    bytes.append(String.format("%02x ", vcpu.mmu().fetch(vcpu.cpu().rip + k)));
                } catch (RuntimeException e) {
                    break;
                }
            }
            System.out.println("bytes at rip: " + bytes);
        }
    }
}
