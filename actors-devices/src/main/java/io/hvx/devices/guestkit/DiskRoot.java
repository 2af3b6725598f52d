package io.hvx.devices.guestkit;

import java.util.List;
import java.util.TreeSet;

/**
 * The root file system of the disk kit: busybox-static with its applet links, busybox init with an
 * inittab and an rcS that mounts the kernel file systems, sets the host name from the kernel command
 * line, brings eth0 up with udhcpc and gives a login shell on ttyS0 with the prompt
 * {@link GuestKit#DISK_PROMPT}; udhcpc's script configures the address, routes and /etc/resolv.conf.
 */
final class DiskRoot {

    /** The host name when the kernel command line has no {@code hvx.hostname=}. */
    static final String DEFAULT_HOSTNAME = "hvx-guest";

    /** Where Debian's busybox looks for udhcpc's script (its CONFIG_UDHCPC_DEFAULT_SCRIPT). */
    static final String UDHCPC_SCRIPT_PATH = "etc/udhcpc/default.script";

    static final String INITTAB = """
        ::sysinit:/etc/init.d/rcS
        ttyS0::respawn:-/bin/sh
        ::ctrlaltdel:/sbin/reboot
        ::shutdown:/bin/umount -a -r
        """;

    static final String FSTAB = """
        /dev/vda / ext4 rw,errors=remount-ro 0 1
        proc /proc proc defaults 0 0
        sysfs /sys sysfs defaults 0 0
        devpts /dev/pts devpts gid=5,mode=620 0 0
        tmpfs /run tmpfs mode=0755,nosuid,nodev 0 0
        """;

    /** busybox init runs this once; /proc, /sys and /dev arrive moved from the initramfs, or are mounted here. */
    static final String RCS = """
        #!/bin/sh
        export PATH=/usr/sbin:/usr/bin:/sbin:/bin
        mounted() {
            grep -q " $1 " /proc/mounts
        }
        [ -e /proc/mounts ] || mount -t proc proc /proc
        mounted /sys || mount -t sysfs sysfs /sys
        mounted /dev || mount -t devtmpfs devtmpfs /dev
        mkdir -p /dev/pts /dev/shm
        mounted /dev/pts || mount /dev/pts
        mounted /run || mount /run
        name=$(cat /etc/hostname)
        for arg in $(cat /proc/cmdline); do
            case "$arg" in
                hvx.hostname=*) name="${arg#hvx.hostname=}" ;;
            esac
        done
        case "$name" in
            ""|-*|*[!A-Za-z0-9.-]*) echo "hvx disk kit: ignoring the host name '$name' (letters, digits, dots, dashes)"
                name=$(cat /etc/hostname) ;;
        esac
        hostname "$name"
        printf '127.0.0.1\\tlocalhost\\n127.0.1.1\\t%%s\\n' "$name" > /etc/hosts
        ip link set lo up
        if [ -e /sys/class/net/eth0 ]; then
            ip link set eth0 up
            udhcpc -i eth0 -b -t 5 -T 2 -x hostname:"$name" -p /run/udhcpc.eth0.pid -s /%s
        fi
        echo "%s: $(hostname), Linux $(uname -r), root $(awk '$2 == "/" {print $1}' /proc/mounts | tail -n 1)"
        """.formatted(UDHCPC_SCRIPT_PATH, GuestKit.DISK_BANNER);

    static final String PROFILE = """
        export PATH=/usr/sbin:/usr/bin:/sbin:/bin
        export PS1='%s'
        export HOME=/root
        """.formatted(GuestKit.DISK_PROMPT);

    /** udhcpc calls this with deconfig, bound, renew, leasefail or nak and the lease in its environment. */
    static final String UDHCPC_SCRIPT = """
        #!/bin/sh
        case "$1" in
            deconfig)
                ip -4 addr flush dev "$interface"
                ip link set "$interface" up
                ;;
            bound|renew)
                ip -4 addr flush dev "$interface"
                ip addr add "$ip/${mask:-24}" ${broadcast:+broadcast "$broadcast"} dev "$interface"
                [ -n "$mtu" ] && ip link set "$interface" mtu "$mtu"
                gateway="${router%% *}"
                [ -n "$gateway" ] && ip route replace default via "$gateway" dev "$interface"
                {
                    [ -n "$domain" ] && echo "search $domain"
                    for server in $dns; do echo "nameserver $server"; done
                } > /etc/resolv.conf.new
                mv /etc/resolv.conf.new /etc/resolv.conf
                echo "udhcpc: $interface $ip/${mask:-24} via ${router:-none} dns ${dns:-none}"
                ;;
        esac
        exit 0
        """;

    private DiskRoot() {
    }

    /** The tree: directories, busybox and its applets, /etc, the udhcpc script, /dev/console and /dev/null. */
    static RootTree tree(byte[] busybox, List<String> applets) {
        RootTree tree = new RootTree();
        TreeSet<String> directories = new TreeSet<>(List.of("bin", "sbin", "usr", "usr/bin", "usr/sbin", "dev", "proc",
            "sys", "root", "etc", "etc/init.d", "var", "var/log", "run", "mnt", "home", "lib",
            "etc/udhcpc"));
        for (String applet : applets) {
            for (int slash = applet.indexOf('/'); slash > 0; slash = applet.indexOf('/', slash + 1)) {
                directories.add(applet.substring(0, slash));
            }
        }
        for (String directory : directories) {
            tree.directory(directory, directory.equals("root") ? 0700 : 0755);
        }
        tree.directory("tmp", 01777);
        tree.directory("var/tmp", 01777);
        tree.symlink("var/run", "/run");
        tree.charDevice("dev/console", 0600, 5, 1);
        tree.charDevice("dev/null", 0666, 1, 3);
        tree.file("bin/busybox", 0755, busybox);
        for (String applet : applets) {
            if (!applet.equals("bin/busybox")) {
                tree.symlink(applet, "/bin/busybox");
            }
        }
        tree.file("etc/passwd", 0644, "root:x:0:0:root:/root:/bin/sh\n");
        tree.file("etc/shadow", 0600, "root:*:20000:0:99999:7:::\n");
        tree.file("etc/group", 0644, "root:x:0:\ntty:x:5:\n");
        tree.file("etc/hostname", 0644, DEFAULT_HOSTNAME + "\n");
        tree.file("etc/hosts", 0644, "127.0.0.1\tlocalhost\n");
        tree.file("etc/resolv.conf", 0644, "");
        tree.file("etc/fstab", 0644, FSTAB);
        tree.file("etc/inittab", 0644, INITTAB);
        tree.file("etc/profile", 0644, PROFILE);
        tree.file("etc/init.d/rcS", 0755, RCS);
        tree.file(UDHCPC_SCRIPT_PATH, 0755, UDHCPC_SCRIPT);
        return tree;
    }
}
