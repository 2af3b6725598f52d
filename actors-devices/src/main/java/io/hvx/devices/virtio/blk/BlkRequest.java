package io.hvx.devices.virtio.blk;

/**
 * The virtio-blk request header and status codes (virtio 1.x section 5.2.6).
 *
 * <pre>
 *  0      4          8                16
 *  | type | reserved | sector (u64 LE) | data ... | status (u8, device-writable, last byte)
 * </pre>
 * Discard and write-zeroes data is a list of 16-byte segments: sector (u64), sectors (u32), flags (u32).
 */
final class BlkRequest {
    static final int HEADER_LENGTH = 16;
    static final int TYPE_OFFSET = 0;
    static final int SECTOR_OFFSET = 8;
    static final int SEGMENT_LENGTH = 16;
    static final int ID_LENGTH = 20;

    static final int T_IN = 0;
    static final int T_OUT = 1;
    static final int T_FLUSH = 4;
    static final int T_GET_ID = 8;
    static final int T_DISCARD = 11;
    static final int T_WRITE_ZEROES = 13;

    static final byte S_OK = 0;
    static final byte S_IOERR = 1;
    static final byte S_UNSUPP = 2;

    static final int SECTOR_SHIFT = 9;

    private BlkRequest() {
    }
}
