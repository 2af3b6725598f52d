package io.hvx.storage.volume;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * One block device made of several: concatenated (each member holds a contiguous range) or striped
 * (stripe units rotate over the members, so a large or parallel I/O load spreads over all of them and
 * their capacity and IOPS add up). Striping uses the smallest member's size on every member.
 */
public final class LogicalVolume implements BlockDevice {
    /** How members are combined. */
    public enum Layout { CONCAT, STRIPE }

    private final Layout layout;
    private final List<BlockDevice> members;
    private final long stripeUnit;
    private final long size;
    private final long[] starts;

    public LogicalVolume(Layout layout, List<BlockDevice> members, long stripeUnit) throws ImageFormatException {
        if (members.isEmpty()) {
            throw new ImageFormatException("a volume needs at least one member");
        }
        if (layout == Layout.STRIPE && (stripeUnit < 512 || Long.bitCount(stripeUnit) != 1)) {
            throw new ImageFormatException("stripe unit " + stripeUnit + " is not a power of two of at least 512");
        }
        this.layout = layout;
        this.members = List.copyOf(members);
        this.stripeUnit = stripeUnit;
        this.starts = new long[members.size() + 1];
        if (layout == Layout.CONCAT) {
            for (int i = 0; i < members.size(); i++) {
                starts[i + 1] = starts[i] + members.get(i).size();
            }
            this.size = starts[members.size()];
        } else {
            long smallest = members.stream().mapToLong(BlockDevice::size).min().orElse(0);
            this.size = smallest / stripeUnit * stripeUnit * members.size();
        }
    }

    @Override
    public long size() {
        return size;
    }

    /** Calls op on each (member, member offset, length) piece of [offset, offset+length). */
    private interface Piece {
        void apply(BlockDevice member, long memberOffset, int length) throws IOException;
    }

    private void split(long offset, long length, Piece op) throws IOException {
        BlockDevice.checkRange(this, offset, length);
        while (length > 0) {
            BlockDevice member;
            long at;
            long room;
            if (layout == Layout.CONCAT) {
                int i = 0;
                while (offset >= starts[i + 1]) {
                    i++;
                }
                member = members.get(i);
                at = offset - starts[i];
                room = starts[i + 1] - offset;
            } else {
                long unit = offset / stripeUnit;
                member = members.get((int) (unit % members.size()));
                at = unit / members.size() * stripeUnit + offset % stripeUnit;
                room = stripeUnit - offset % stripeUnit;
            }
            int n = (int) Math.min(Math.min(room, length), Integer.MAX_VALUE);
            op.apply(member, at, n);
            offset += n;
            length -= n;
        }
    }

    @Override
    public void read(ByteBuffer buffer, long offset) throws IOException {
        int limit = buffer.limit();
        try {
            split(offset, buffer.remaining(), (m, at, n) -> {
                buffer.limit(buffer.position() + n);
                m.read(buffer, at);
            });
        } finally {
            buffer.limit(limit);
        }
    }

    @Override
    public void write(ByteBuffer buffer, long offset) throws IOException {
        int limit = buffer.limit();
        try {
            split(offset, buffer.remaining(), (m, at, n) -> {
                buffer.limit(buffer.position() + n);
                m.write(buffer, at);
            });
        } finally {
            buffer.limit(limit);
        }
    }

    @Override
    public void flush() throws IOException {
        for (BlockDevice m : members) {
            m.flush();
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        split(offset, length, BlockDevice::discard);
    }

    @Override
    public Extent extentAt(long offset) throws IOException {
        BlockDevice.checkRange(this, offset, 1);
        long[] result = new long[2];
        split(offset, 1, (m, at, n) -> {
            Extent e = m.extentAt(at);
            result[0] = e.length();
            result[1] = e.zero() ? 1 : 0;
        });
        // Never report past the current stripe unit or member: the next piece lives elsewhere.
        long room = layout == Layout.STRIPE ? stripeUnit - offset % stripeUnit : Long.MAX_VALUE;
        if (layout == Layout.CONCAT) {
            int i = 0;
            while (offset >= starts[i + 1]) {
                i++;
            }
            room = starts[i + 1] - offset;
        }
        return new Extent(Math.max(1, Math.min(result[0], room)), result[1] == 1);
    }

    @Override
    public boolean readOnly() {
        return members.stream().anyMatch(BlockDevice::readOnly);
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (BlockDevice m : members) {
            try {
                m.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
