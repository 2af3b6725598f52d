package io.hvx.devices.guestkit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.testing.HostTools;
import io.hvx.devices.testing.QemuMicrovm;
import io.hvx.devices.testing.TestGuestKit;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The disk kit's claims, checked with the peer VMM: QEMU's microvm with a virtio-blk disk (announced in
 * its ACPI tables, as hvx does) boots it to the disk's shell, and the guest's writes outlive a power-off.
 */
class GuestKitDiskUnderQemuTest {

    /** microvm's only reference clock is the PIT, which fails to calibrate on a loaded host. */
    private static final String QEMU_CLOCK = " tsc_early_khz=2000000";

    private static List<String> devices(Path disk, boolean network) {
        List<String> devices = new java.util.ArrayList<>(List.of("-drive", "file=" + disk + ",format=raw,if=none,id=root",
            "-device", "virtio-blk-device,drive=root"));
        if (network) {
            // QEMU's user network: its DHCP server answers, restrict=on gives the guest no route out
            devices.addAll(List.of("-netdev", "user,id=net0,restrict=on", "-device", "virtio-net-device,netdev=net0"));
        }
        return devices;
    }

    @Test
    void the_disk_boots_from_virtio_blk_takes_its_name_and_address_and_keeps_a_file_across_a_power_off(@TempDir Path dir)
        throws Exception {
        GuestKit.DiskKit kit = TestGuestKit.requireDisk();
        HostTools.require("qemu-system-x86_64", "qemu-system-x86");
        Path disk = dir.resolve("disk.img");
        HostTools.ok(dir, "cp", "--sparse=always", kit.disk().toString(), disk.toString());
        String append = GuestKit.diskCmdline("disk-test") + QEMU_CLOCK;
        try (QemuMicrovm vm = QemuMicrovm.boot(kit.kernel(), kit.initrd(), 1, append, devices(disk, true))) {
            // with restrict=on QEMU's DHCP server offers no router and no DNS server, only the address
            int at = vm.expect("udhcpc: eth0 10.0.2.15/24 via ", 0, 300, "no DHCP lease on eth0");
            at = vm.expect(GuestKit.DISK_BANNER + ": disk-test, Linux ", at, 60, "no banner with the host name");
            at = vm.expect(", root /dev/vda", at, 10, "the root is not the virtio disk");
            at = vm.expect(GuestKit.DISK_PROMPT, at, 60, "no prompt");
            vm.type("echo kept-$((6*7)) > /root/kept; echo name=$(hostname) $(ip -4 addr show eth0 | grep -o 'inet [0-9./]*')\n");
            vm.expect("name=disk-test inet 10.0.2.15/24", at, 60, "no answer");
            vm.powerOff();
        }
        HostTools.Result fsck = HostTools.run(dir, Ext4Image.tool("e2fsck"), "-fn", disk.toString());
        assertTrue(fsck.exitCode() == 0, "the guest left the file system unclean:\n" + fsck.output());
        try (QemuMicrovm vm = QemuMicrovm.boot(kit.kernel(), kit.initrd(), 1, GuestKit.DISK_CMDLINE + QEMU_CLOCK,
            devices(disk, false))) {
            int at = vm.expect(GuestKit.DISK_BANNER + ": " + DiskRoot.DEFAULT_HOSTNAME + ", Linux ", 0, 300,
                "no banner on the second boot");
            at = vm.expect(GuestKit.DISK_PROMPT, at, 60, "no prompt on the second boot");
            vm.type("cat /root/kept\n");
            vm.expect("kept-42", at, 60, "the file did not survive");
            vm.powerOff();
        }
    }

    @Test
    void without_a_disk_the_initramfs_says_so_and_gives_a_rescue_shell() throws Exception {
        GuestKit.DiskKit kit = TestGuestKit.requireDisk();
        HostTools.require("qemu-system-x86_64", "qemu-system-x86");
        try (QemuMicrovm vm = QemuMicrovm.boot(kit.kernel(), kit.initrd(), 1,
            GuestKit.DISK_CMDLINE + " hvx.rootwait=3" + QEMU_CLOCK, List.of())) {
            int at = vm.expect("hvx disk kit: the root disk /dev/vda did not appear within 3 s", 0, 300, "no message");
            vm.expect(DiskInitramfs.RESCUE_PROMPT, at, 60, "no rescue shell");
            vm.powerOff();
        }
    }
}
