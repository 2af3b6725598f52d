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

    /**
     * One opened export: device reads and writes go straight to it; readOnly refuses writes with EPERM. shared
     * says every connection to this name gets this same device instance, so a flush on one connection covers
     * writes completed on all of them and the server may advertise NBD_FLAG_CAN_MULTI_CONN for writes too.
     */
    record Export(BlockDevice device, boolean readOnly, AutoCloseable onClose, boolean shared) {

        /** An export whose device may be one connection's own (no multi-connection promise for writes). */
        public Export(BlockDevice device, boolean readOnly, AutoCloseable onClose) {
            this(device, readOnly, onClose, false);
        }
    }
}
