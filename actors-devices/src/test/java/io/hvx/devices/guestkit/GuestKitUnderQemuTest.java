package io.hvx.devices.guestkit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.testing.HostTools;
import io.hvx.devices.testing.QemuMicrovm;
import io.hvx.devices.testing.TestGuestKit;
import org.junit.jupiter.api.Test;

/** The kit's claim, checked with the peer VMM: it boots to a shell on ttyS0 that runs commands and powers off. */
class GuestKitUnderQemuTest {

    @Test
    void the_kit_boots_under_qemu_microvm_to_a_serial_shell_that_answers_and_powers_off() throws Exception {
        GuestKit.Kit kit = TestGuestKit.require();
        HostTools.require("qemu-system-x86_64", "qemu-system-x86");
        // tsc_early_khz: microvm's only reference clock is the PIT, which fails to calibrate on a loaded host
        try (QemuMicrovm vm = QemuMicrovm.boot(kit, 2, "console=ttyS0 panic=-1 tsc_early_khz=2000000")) {
            int at = vm.await(GuestKit.BANNER + ": Linux ", 0, 240);
            assertTrue(at > 0, "no banner:\n" + vm.output());
            at = vm.await(GuestKit.PROMPT, at, 60);
            assertTrue(at > 0, "no prompt:\n" + vm.output());
            vm.type("echo cpus=$(grep -c ^processor /proc/cpuinfo)\n");
            at = vm.await("cpus=2", at, 60);
            assertTrue(at > 0, "no answer:\n" + vm.output());
            vm.type("ls -d /sys/bus/platform/drivers/virtio-mmio && echo transport=$(cat /sys/module/virtio_mmio/initstate)\n");
            assertTrue(vm.await("transport=live", at, 60) > 0, "virtio_mmio was not loaded:\n" + vm.output());
            vm.type("poweroff -f\n");
            assertTrue(vm.waitForExit(60), "poweroff -f did not end the VM:\n" + vm.output());
        }
    }
}
