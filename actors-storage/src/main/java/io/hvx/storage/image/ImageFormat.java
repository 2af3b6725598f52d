package io.hvx.storage.image;

import io.hvx.storage.block.ImageFormatException;
import java.util.Locale;

/** The disk image formats hvx knows, named as qemu-img names them. */
public enum ImageFormat {
    RAW("raw"),
    QCOW2("qcow2"),
    VMDK("vmdk"),
    VPC("vpc"),
    VDI("vdi"),
    VHDX("vhdx");

    private final String qemuName;

    ImageFormat(String qemuName) {
        this.qemuName = qemuName;
    }

    public String qemuName() {
        return qemuName;
    }

    /** Parses a qemu-img format name such as "qcow2". */
    public static ImageFormat byName(String name) throws ImageFormatException {
        for (ImageFormat f : values()) {
            if (f.qemuName.equals(name.toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new ImageFormatException("unknown image format '" + name + "'");
    }
}
