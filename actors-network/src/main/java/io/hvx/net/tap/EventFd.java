package io.hvx.net.tap;

import io.hvx.net.linux.LibC;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A Linux eventfd: a descriptor that any thread makes readable by {@link #signal}, so that a thread
 * blocked in {@code ppoll} on it wakes. Non-blocking; {@link #drain} makes it unreadable again.
 */
public final class EventFd implements AutoCloseable {
  private static final int EFD_NONBLOCK = LibC.O_NONBLOCK;
  private static final int EFD_CLOEXEC = LibC.O_CLOEXEC;

  private final Arena arena = Arena.ofShared();
  private final MemorySegment one = arena.allocate(ValueLayout.JAVA_LONG);
  private final MemorySegment drained = arena.allocate(ValueLayout.JAVA_LONG);
  private final MemorySegment state = LibC.captureState(arena);
  private final int fd;
  private boolean closed;

  public EventFd() {
    one.set(ValueLayout.JAVA_LONG, 0, 1);
    int opened;
    try {
      opened = (int) LibC.EVENTFD.invokeExact(state, 0, EFD_NONBLOCK | EFD_CLOEXEC);
    } catch (Throwable e) {
      arena.close();
      throw new TapException("eventfd failed: " + e, e);
    }
    if (opened < 0) {
      arena.close();
      throw new TapException("eventfd failed: errno " + LibC.errno(state)
          + " (the process may be out of file descriptors: raise ulimit -n)");
    }
    this.fd = opened;
  }

  public int fd() {
    return fd;
  }

  /**
   * Makes the descriptor readable; any thread. Synchronized with {@link #close} so that a late signal never
   * writes to a descriptor number the process has reused since.
   */
  public synchronized void signal() {
    if (!closed) {
      try {
        // The counter cannot overflow (it is drained after every wake), so errno is of no interest.
        long ignored = (long) LibC.WRITE_IGNORING_ERRNO.invokeExact(fd, one, 8L);
      } catch (Throwable e) {
        throw new TapException("eventfd write failed: " + e, e);
      }
    }
  }

  /** Makes the descriptor unreadable again; the thread that waits on it only. */
  public void drain() {
    try {
      long ignored = (long) LibC.READ.invokeExact(state, fd, drained, 8L);
    } catch (Throwable e) {
      throw new TapException("eventfd read failed: " + e, e);
    }
  }

  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      try {
        int ignored = (int) LibC.CLOSE.invokeExact(fd);
      } catch (Throwable e) {
        throw new TapException("eventfd close failed: " + e, e);
      }
      arena.close();
    }
  }
}
