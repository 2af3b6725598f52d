package io.hvx.storage.testing;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.image.ImageOpener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** Reads whole small images through hvx for comparison in tests. */
public final class Images {
    private Images() {}

    public static byte[] readAll(Path image) throws IOException {
        return readAll(image, null);
    }

    /** Reads with the format named (qemu-img's name), for formats that are not probed, like fixed VHD. */
    public static byte[] readAll(Path image, String format) throws IOException {
        try (BlockDevice d = ImageOpener.open(image, format == null ? null
                : io.hvx.storage.image.ImageFormat.byName(format), true)) {
            ByteBuffer b = ByteBuffer.allocate((int) d.size());
            d.read(b, 0);
            return b.array();
        }
    }
}
