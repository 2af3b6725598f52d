package io.hvx.storage.raw;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;

/**
 * Finds holes in a sparse file with lseek(SEEK_DATA/SEEK_HOLE), so copies skip them without reading; where the
 * platform or filesystem lacks them, every byte counts as data and zero detection does the work.
 */
final class HoleFinder implements AutoCloseable {
    private static final int O_RDONLY = 0;
    private static final int SEEK_DATA = 3;
    private static final int SEEK_HOLE = 4;
    private static final MethodHandle OPEN;
    private static final MethodHandle LSEEK;
    private static final MethodHandle CLOSE;

    static {
        MethodHandle open = null;
        MethodHandle lseek = null;
        MethodHandle close = null;
        try {
            if (System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
                Linker linker = Linker.nativeLinker();
                SymbolLookup libc = linker.defaultLookup();
                open = linker.downcallHandle(libc.find("open").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                        Linker.Option.firstVariadicArg(2));
                lseek = linker.downcallHandle(libc.find("lseek").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG,
                                ValueLayout.JAVA_INT));
                close = linker.downcallHandle(libc.find("close").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            }
        } catch (RuntimeException | LinkageError e) {
            open = null;
        }
        OPEN = open;
        LSEEK = lseek;
        CLOSE = close;
    }

    private final int fd;

    HoleFinder(Path path) {
        int f = -1;
        if (OPEN != null) {
            try (Arena arena = Arena.ofConfined()) {
                f = (int) OPEN.invokeExact(arena.allocateFrom(path.toString()), O_RDONLY);
            } catch (Throwable t) {
                f = -1;
            }
        }
        fd = f;
    }

    /** Returns the next data offset at or after offset (or size when none), or -1 when unknown. */
    long nextData(long offset) {
        return seek(offset, SEEK_DATA);
    }

    /** Returns the next hole offset at or after offset, or -1 when unknown. */
    long nextHole(long offset) {
        return seek(offset, SEEK_HOLE);
    }

    private long seek(long offset, int whence) {
        if (fd < 0) {
            return -1;
        }
        try {
            return (long) LSEEK.invokeExact(fd, offset, whence);
        } catch (Throwable t) {
            return -1;
        }
    }

    @Override
    public void close() {
        if (fd >= 0) {
            try {
                int ignored = (int) CLOSE.invokeExact(fd);
            } catch (Throwable t) {
                // Closing a read-only descriptor cannot lose data.
            }
        }
    }
}
