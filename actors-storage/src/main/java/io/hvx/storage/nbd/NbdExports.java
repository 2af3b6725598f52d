package io.hvx.storage.nbd;

import io.hvx.storage.block.BlockDevice;
import java.io.IOException;
import java.util.List;

/** What an NBD server can serve: block devices by export name (images, snapshots, volumes). */
public interface NbdExports {

    /** Names offered to NBD_OPT_LIST. */
    List<String> names() throws IOException;

    /**
     * Opens an export for one connection, or returns null when there is none of that name. The server
     * closes the returned export when the connection ends.
     */
    Export open(String name) throws IOException;

    /** One opened export: device reads and writes go straight to it; readOnly refuses writes with EPERM. */
    record Export(BlockDevice device, boolean readOnly, AutoCloseable onClose) {}
}
