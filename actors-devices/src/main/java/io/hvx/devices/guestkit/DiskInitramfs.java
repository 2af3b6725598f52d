package io.hvx.devices.guestkit;

import java.util.List;

/**
 * The /init of the disk kit's initramfs: loads the virtio and file-system modules in dependency
 * order, waits for the root device ({@code root=}, default /dev/vda) for {@code hvx.rootwait=}
 * seconds (default {@link #ROOT_WAIT_SECONDS}), mounts it read-write and switch_root's into its
 * /sbin/init. When the disk never appears or cannot be mounted it says why on the console and gives
 * a rescue shell with the prompt {@link #RESCUE_PROMPT}; the VM powers off when that shell exits.
 */
final class DiskInitramfs {

    static final int ROOT_WAIT_SECONDS = 30;
    static final String RESCUE_PROMPT = "hvx-rescue# ";

    private static final String HEAD = """
        #!/bin/sh
        /bin/busybox mount -t proc proc /proc
        /bin/busybox mount -t sysfs sysfs /sys
        /bin/busybox mount -t devtmpfs devtmpfs /dev
        export PATH=/usr/sbin:/usr/bin:/sbin:/bin
        rescue() {
            echo "hvx disk kit: $1"
            echo "hvx disk kit: block devices: $(ls /sys/class/block | tr '\\n' ' ')"
            echo "hvx disk kit: rescue shell; poweroff -f ends the VM"
            PS1='%s' setsid cttyhack /bin/sh
            poweroff -f
        }
        need() {
            insmod "/$1" || echo "hvx disk kit: cannot load $1"
        }
        may() {
            insmod "/$1" 2>/dev/null
        }
        echo "hvx disk kit: Linux $(uname -r), loading %d modules"
        """;

    private static final String TAIL = """
        root=/dev/vda
        fstype=ext4
        wait=%d
        for arg in $(cat /proc/cmdline); do
            case "$arg" in
                root=/dev/*) root="${arg#root=}" ;;
                rootfstype=*) fstype="${arg#rootfstype=}" ;;
                hvx.rootwait=*) wait="${arg#hvx.rootwait=}" ;;
            esac
        done
        case "$wait" in
            ""|*[!0-9]*) wait=%d ;;
        esac
        waited=0
        while [ ! -b "$root" ]; do
            if [ "$waited" -ge "$wait" ]; then
                rescue "the root disk $root did not appear within $wait s (is a virtio-blk disk attached?)"
            fi
            sleep 1
            waited=$((waited + 1))
        done
        mkdir -p /newroot
        mount -t "$fstype" -o rw "$root" /newroot || rescue "cannot mount $root as $fstype"
        [ -x /newroot/sbin/init ] || rescue "$root has no /sbin/init"
        mount --move /dev /newroot/dev
        mount --move /sys /newroot/sys
        mount --move /proc /newroot/proc
        exec switch_root /newroot /sbin/init
        """;

    private DiskInitramfs() {
    }

    /** The script for these module loads, in order; an optional one may fail quietly. */
    static String init(List<KernelModules.Load> loads) {
        StringBuilder script = new StringBuilder(HEAD.formatted(RESCUE_PROMPT, loads.size()));
        for (KernelModules.Load load : loads) {
            script.append(load.optional() ? "may " : "need ").append(load.module().path()).append('\n');
        }
        return script.append(TAIL.formatted(ROOT_WAIT_SECONDS, ROOT_WAIT_SECONDS)).toString();
    }
}
