package io.hvx.devices.guestkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.devices.testing.HostTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The disk's tree and scripts, without the Debian packages: the host's busybox parses the scripts and runs udhcpc's. */
class DiskRootTest {

    private static Map<String, RootTree.Entry> tree() {
        return DiskRoot.tree(new byte[] {1, 2, 3}, List.of("bin/busybox", "bin/sh", "sbin/init", "usr/bin/[", "sbin/udhcpc"))
            .entries().stream().collect(Collectors.toMap(RootTree.Entry::path, Function.identity()));
    }

    @Test
    void the_tree_has_init_the_applet_links_and_etc_with_their_modes() {
        Map<String, RootTree.Entry> tree = tree();
        assertEquals(0100755, tree.get("bin/busybox").mode());
        assertEquals("/bin/busybox", new String(tree.get("sbin/init").data()));
        assertEquals("/bin/busybox", new String(tree.get("usr/bin/[").data()));
        assertEquals(041777, tree.get("tmp").mode());
        assertEquals(040700, tree.get("root").mode());
        assertEquals(0100600, tree.get("etc/shadow").mode());
        assertEquals(0100755, tree.get(DiskRoot.UDHCPC_SCRIPT_PATH).mode());
        assertEquals(DiskRoot.RCS, new String(tree.get("etc/init.d/rcS").data()));
        assertTrue(DiskRoot.INITTAB.contains("::sysinit:/etc/init.d/rcS"));
        assertTrue(DiskRoot.RCS.contains("-s /" + DiskRoot.UDHCPC_SCRIPT_PATH), DiskRoot.RCS);
    }

    @Test
    void the_scripts_parse_under_busybox_sh(@TempDir Path dir) throws Exception {
        HostTools.require("busybox", "busybox-static");
        Map<String, String> scripts = Map.of("rcS", DiskRoot.RCS, "default.script", DiskRoot.UDHCPC_SCRIPT,
            "init", DiskInitramfs.init(List.of()), "profile", DiskRoot.PROFILE);
        for (var script : scripts.entrySet()) {
            Files.writeString(dir.resolve(script.getKey()), script.getValue());
            HostTools.ok(dir, "busybox", "sh", "-n", dir.resolve(script.getKey()).toString());
        }
    }

    @Test
    void the_udhcpc_script_writes_resolv_conf_from_the_lease(@TempDir Path dir) throws Exception {
        // `ip` is a shell function that records its arguments: Debian's busybox runs its own applets before
        // anything on PATH, and the host's interfaces must never be touched. The probe proves the function wins.
        HostTools.require("busybox", "busybox-static");
        String record = "ip() { echo \"ip $*\" >> " + dir.resolve("ip.log") + "; }\n";
        assertEquals("ip probe\n", HostTools.ok(dir, "busybox", "sh", "-c", record.replace(">> " + dir.resolve("ip.log"), "")
            + "ip probe"));
        Path etc = Files.createDirectories(dir.resolve("etc"));
        String script = "#!/bin/sh\n" + record + DiskRoot.UDHCPC_SCRIPT.replace("/etc/resolv.conf", etc + "/resolv.conf")
            .substring("#!/bin/sh\n".length());
        assertTrue(script.startsWith("#!/bin/sh\nip() {"), script);
        Files.writeString(dir.resolve("default.script"), script);
        // and the script runs in a network namespace of its own (unshare -rn), so even a stub that lost to a real
        // `ip` could only change that empty namespace, never the host's interfaces
        String out = HostTools.ok(dir, "unshare", "-rn", "env", "interface=eth0", "ip=10.9.0.5", "mask=24",
            "router=10.9.0.1", "dns=10.9.0.1 10.9.0.2", "domain=hvx.internal", "busybox", "sh", "default.script", "bound");
        assertEquals("udhcpc: eth0 10.9.0.5/24 via 10.9.0.1 dns 10.9.0.1 10.9.0.2\n", out);
        assertEquals("search hvx.internal\nnameserver 10.9.0.1\nnameserver 10.9.0.2\n", Files.readString(etc.resolve("resolv.conf")));
        String ip = Files.readString(dir.resolve("ip.log"));
        assertTrue(ip.contains("ip addr add 10.9.0.5/24 dev eth0"), ip);
        assertTrue(ip.contains("ip route replace default via 10.9.0.1 dev eth0"), ip);
    }
}
