package io.hvx.storage.ova;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.cli.ImageCommand;
import io.hvx.storage.testing.Qemu;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OvaTest {
    @TempDir
    Path dir;

    @BeforeEach
    void peers() {
        Qemu.require();
    }

    /** An OVF shaped like VirtualBox's exports: two disks on a SATA controller, two NICs, memory in MiB. */
    private static final String VBOX_OVF = """
            <?xml version="1.0"?>
            <Envelope ovf:version="1.0" xml:lang="en-US" xmlns="http://schemas.dmtf.org/ovf/envelope/1"
                xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
                xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
                xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData"
                xmlns:vbox="http://www.virtualbox.org/ovf/machine">
              <References>
                <File ovf:id="file1" ovf:href="web-disk001.vmdk"/>
                <File ovf:id="file2" ovf:href="web-disk002.vmdk"/>
              </References>
              <DiskSection>
                <Info>List of the virtual disks used in the package</Info>
                <Disk ovf:capacity="3" ovf:capacityAllocationUnits="byte * 2^20" ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
                <Disk ovf:capacity="1048576" ovf:diskId="vmdisk2" ovf:fileRef="file2" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
              </DiskSection>
              <NetworkSection>
                <Info>Logical networks used in the package</Info>
                <Network ovf:name="NAT"><Description>Logical network used by this appliance.</Description></Network>
              </NetworkSection>
              <VirtualSystem ovf:id="web">
                <Info>A virtual machine</Info>
                <VirtualHardwareSection>
                  <Info>Virtual hardware requirements for a virtual machine</Info>
                  <Item><rasd:Caption>2 virtual CPU</rasd:Caption><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>2</rasd:VirtualQuantity></Item>
                  <Item><rasd:AllocationUnits>MegaBytes</rasd:AllocationUnits><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>2048</rasd:VirtualQuantity></Item>
                  <Item><rasd:InstanceID>5</rasd:InstanceID><rasd:ResourceSubType>AHCI</rasd:ResourceSubType><rasd:ResourceType>20</rasd:ResourceType></Item>
                  <Item><rasd:AutomaticAllocation>true</rasd:AutomaticAllocation><rasd:Connection>NAT</rasd:Connection><rasd:InstanceID>8</rasd:InstanceID><rasd:ResourceSubType>E1000</rasd:ResourceSubType><rasd:ResourceType>10</rasd:ResourceType></Item>
                  <Item><rasd:AutomaticAllocation>true</rasd:AutomaticAllocation><rasd:Connection>NAT</rasd:Connection><rasd:InstanceID>9</rasd:InstanceID><rasd:ResourceSubType>virtio</rasd:ResourceSubType><rasd:ResourceType>10</rasd:ResourceType></Item>
                  <Item><rasd:AddressOnParent>0</rasd:AddressOnParent><rasd:HostResource>/disk/vmdisk1</rasd:HostResource><rasd:InstanceID>10</rasd:InstanceID><rasd:Parent>5</rasd:Parent><rasd:ResourceType>17</rasd:ResourceType></Item>
                  <Item><rasd:AddressOnParent>1</rasd:AddressOnParent><rasd:HostResource>/disk/vmdisk2</rasd:HostResource><rasd:InstanceID>11</rasd:InstanceID><rasd:Parent>5</rasd:Parent><rasd:ResourceType>17</rasd:ResourceType></Item>
                </VirtualHardwareSection>
              </VirtualSystem>
            </Envelope>
            """;

    private Path packVboxOva(boolean corruptManifest) throws Exception {
        Path src = Files.createDirectories(dir.resolve("src"));
        Path raw1 = src.resolve("one.raw");
        Path raw2 = src.resolve("two.raw");
        Qemu.img("create", "-f", "raw", raw1.toString(), "3M");
        Qemu.io(raw1, "raw", "write -P 0x61 0 100k", "write -P 0x62 2M 3");
        Qemu.img("create", "-f", "raw", raw2.toString(), "1M");
        Qemu.io(raw2, "raw", "write -P 0x63 512k 64k");
        Qemu.img("convert", "-O", "vmdk", "-o", "subformat=streamOptimized", raw1.toString(),
                src.resolve("web-disk001.vmdk").toString());
        Qemu.img("convert", "-O", "vmdk", "-o", "subformat=streamOptimized", raw2.toString(),
                src.resolve("web-disk002.vmdk").toString());
        Files.writeString(src.resolve("web.ovf"), VBOX_OVF);
        String sums = Qemu.ok("sha1sum", src.resolve("web.ovf").toString(), src.resolve("web-disk001.vmdk").toString(),
                src.resolve("web-disk002.vmdk").toString());
        StringBuilder mf = new StringBuilder();
        for (String line : sums.split("\n")) {
            String[] p = line.split("\\s+");
            String digest = corruptManifest && p[1].endsWith("001.vmdk") ? "0".repeat(40) : p[0];
            mf.append("SHA1(").append(Path.of(p[1]).getFileName()).append(")= ").append(digest).append('\n');
        }
        Files.writeString(src.resolve("web.mf"), mf);
        Path ova = dir.resolve("web.ova");
        Qemu.ok("tar", "-C", src.toString(), "--format=ustar", "-cf", ova.toString(), "web.ovf", "web-disk001.vmdk",
                "web-disk002.vmdk", "web.mf");
        return ova;
    }

    @Test
    void import_of_a_virtualbox_style_ova_reads_vm_settings_and_converts_every_disk() throws Exception {
        Path ova = packVboxOva(false);
        Path out = dir.resolve("out");
        Run r = run("import-ova", "--output=json", "-O", "qcow2", ova.toString(), out.toString());
        assertEquals(0, r.code(), r.text());
        assertTrue(r.text().contains("\"name\": \"web\""), r.text());
        assertTrue(r.text().contains("\"cpus\": 2"), r.text());
        assertTrue(r.text().contains("\"memory-bytes\": " + (2048L << 20)), r.text());
        assertTrue(r.text().contains("{\"network\": \"NAT\", \"type\": \"E1000\"}, {\"network\": \"NAT\", "
                + "\"type\": \"virtio\"}"), r.text());
        Path d1 = out.resolve("web-disk1.qcow2");
        Path d2 = out.resolve("web-disk2.qcow2");
        assertEquals(0, Qemu.run("qemu-img", "check", d1.toString()).exitCode());
        assertEquals(0, Qemu.run("qemu-img", "compare", dir.resolve("src/one.raw").toString(), d1.toString())
                .exitCode());
        assertEquals(0, Qemu.run("qemu-img", "compare", dir.resolve("src/two.raw").toString(), d2.toString())
                .exitCode());
    }

    @Test
    void import_refuses_a_disk_that_does_not_match_the_manifest_and_leaves_no_disks() throws Exception {
        Path ova = packVboxOva(true);
        Path out = dir.resolve("out");
        Run r = run("import-ova", ova.toString(), out.toString());
        assertEquals(1, r.code());
        assertTrue(r.text().contains("web-disk001.vmdk' does not match its manifest digest"), r.text());
        try (var s = Files.list(out)) {
            assertEquals(List.of(), s.toList());
        }
    }

    @Test
    void exported_ova_is_a_tar_with_descriptor_first_a_valid_manifest_and_a_disk_qemu_accepts() throws Exception {
        Path disk = dir.resolve("app.qcow2");
        Qemu.img("create", "-f", "qcow2", disk.toString(), "5M");
        Qemu.io(disk, "qcow2", "write -P 0x71 0 1M", "write -P 0x72 4M 4k");
        Path ova = dir.resolve("app.ova");
        Run r = run("export-ova", "--cpus", "4", "--memory", "512", "--network", "lan", disk.toString(),
                ova.toString());
        assertEquals(0, r.code(), r.text());
        List<String> names = Qemu.ok("tar", "-tf", ova.toString()).lines().toList();
        assertEquals(List.of("app.ovf", "app.mf", "app-disk1.vmdk"), names);
        Path x = Files.createDirectories(dir.resolve("x"));
        Qemu.ok("tar", "-C", x.toString(), "-xf", ova.toString());
        for (String line : Files.readAllLines(x.resolve("app.mf"))) {
            String file = line.substring(line.indexOf('(') + 1, line.indexOf(')'));
            String sum = Qemu.ok("sha256sum", x.resolve(file).toString()).split("\\s+")[0];
            assertTrue(line.endsWith("= " + sum), line);
        }
        Path vmdk = x.resolve("app-disk1.vmdk");
        assertEquals(0, Qemu.run("qemu-img", "check", vmdk.toString()).exitCode());
        assertTrue(Qemu.img("info", vmdk.toString()).contains("create type: streamOptimized"));
        assertEquals(0, Qemu.run("qemu-img", "compare", disk.toString(), vmdk.toString()).exitCode());
        String ovf = Files.readString(x.resolve("app.ovf"));
        assertTrue(ovf.contains("ovf:href=\"app-disk1.vmdk\" ovf:id=\"file1\" ovf:size=\"" + Files.size(vmdk) + "\""),
                ovf);
        Run back = run("import-ova", "--output=json", ova.toString(), dir.resolve("back").toString());
        assertEquals(0, back.code(), back.text());
        assertTrue(back.text().contains("\"cpus\": 4") && back.text().contains("\"memory-bytes\": " + (512L << 20))
                && back.text().contains("\"network\": \"lan\""), back.text());
        assertEquals(0, Qemu.run("qemu-img", "compare", disk.toString(),
                dir.resolve("back/app-disk1.qcow2").toString()).exitCode());
    }

    @Test
    void descriptor_with_a_doctype_is_refused_so_no_external_entity_is_read() {
        String xxe = "<?xml version=\"1.0\"?><!DOCTYPE e [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                + "<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\">&x;</Envelope>";
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.hvx.storage.block.ImageFormatException.class,
                () -> OvfDescriptor.parse(xxe.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("not well-formed"), e.getMessage());
    }

    record Run(int code, String text) {}

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream p = new PrintStream(buf, true, StandardCharsets.UTF_8);
        System.setOut(p);
        System.setErr(p);
        try {
            int code = ImageCommand.execute(args);
            return new Run(code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
