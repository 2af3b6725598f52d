package io.hvx.net.tap;

import io.hvx.net.linux.LibC;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * A Linux TAP interface opened through /dev/net/tun (ioctl TUNSETIFF with IFF_TAP | IFF_NO_PI), so
 * that reads and writes are whole Ethernet frames without the packet-information prefix. The
 * interface exists while this object is open (it is not made persistent).
 */
public final class TapDevice implements AutoCloseable {
  private static final long TUNSETIFF = 0x400454caL;
  private static final short IFF_TAP = 0x0002;
  private static final short IFF_NO_PI = 0x1000;
  private static final short IFF_VNET_HDR = 0x4000;
  private static final long TUNSETOFFLOAD = 0x400454d0L;
  // TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN: the kernel may hand us 64 KiB TCP frames.
  private static final long OFFLOADS = 0x1 | 0x2 | 0x4 | 0x8;
  private static final int IFNAMSIZ = 16;
  private static final int IFREQ_SIZE = 40;
  private static final int IFR_FLAGS_OFFSET = 16;

  private final int fd;
  private final String name;
  private final boolean offloads;
  private volatile boolean closed;

  private TapDevice(int fd, String name, boolean offloads) {
    this.fd = fd;
    this.name = name;
    this.offloads = offloads;
  }

  /** Creates TAP interface {@code requestedName} (at most 15 ASCII characters); fails with errno named. */
  public static TapDevice open(String requestedName) {
    return open(requestedName, false);
  }

  /**
   * Like {@link #open(String)}; with {@code offloads} every frame carries a virtio-net header
   * (IFF_VNET_HDR) and the kernel may hand over and accept 64 KiB TCP frames with partial checksums
   * (TUNSETOFFLOAD), so that a TCP stream crosses as a few large frames instead of many 1514-byte ones.
   */
  public static TapDevice open(String requestedName, boolean offloads) {
    byte[] nameBytes = requestedName.getBytes(StandardCharsets.US_ASCII);
    if (nameBytes.length == 0 || nameBytes.length >= IFNAMSIZ) {
      throw new IllegalArgumentException("interface name must be 1..15 characters: " + requestedName);
    }
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = LibC.captureState(arena);
      int fd = (int) LibC.OPEN.invokeExact(state, arena.allocateFrom("/dev/net/tun"),
          LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC, 0);
      if (fd < 0) {
        throw new TapException("open /dev/net/tun failed, errno " + LibC.errno(state));
      }
      MemorySegment ifreq = arena.allocate(IFREQ_SIZE);
      MemorySegment.copy(nameBytes, 0, ifreq, ValueLayout.JAVA_BYTE, 0, nameBytes.length);
      ifreq.set(ValueLayout.JAVA_SHORT, IFR_FLAGS_OFFSET, (short) (IFF_TAP | IFF_NO_PI | (offloads ? IFF_VNET_HDR : 0)));
      int result = (int) LibC.IOCTL.invokeExact(state, fd, TUNSETIFF, ifreq);
      if (result < 0) {
        int errno = LibC.errno(state);
        int ignored = (int) LibC.CLOSE.invokeExact(fd);
        throw new TapException("ioctl TUNSETIFF " + requestedName + " failed, errno " + errno);
      }
      if (offloads && (int) LibC.IOCTL_LONG.invokeExact(state, fd, TUNSETOFFLOAD, OFFLOADS) < 0) {
        int errno = LibC.errno(state);
        int ignored = (int) LibC.CLOSE.invokeExact(fd);
        throw new TapException("ioctl TUNSETOFFLOAD " + requestedName + " failed, errno " + errno);
      }
      return new TapDevice(fd, ifreq.getString(0, StandardCharsets.US_ASCII), offloads);
    } catch (TapException | IllegalArgumentException e) {
      throw e;
    } catch (Throwable e) {
      throw new TapException("calling libc failed: " + e, e);
    }
  }

  /** Sets this interface's MAC (when {@code mac} is not empty) or reads it; returns the MAC in effect. */
  public String mac(String mac) {
    return IpCommand.mac(name, mac);
  }

  /** True when frames carry a virtio-net header and may be GSO frames. */
  public boolean offloads() {
    return offloads;
  }

  public String name() {
    return name;
  }

  int fd() {
    return fd;
  }

  /**
   * Reads one frame into {@code into} (native or heap memory); returns its length, 0 when none is pending,
   * -errno on failure.
   */
  long read(MemorySegment state, MemorySegment into) {
    try {
      // Critical: the descriptor is non-blocking, so the call is short.
      long n = (long) LibC.READ_CRITICAL.invokeExact(state, fd, into, into.byteSize());
      if (n >= 0) {
        return n;
      }
      int errno = LibC.errno(state);
      return errno == LibC.EAGAIN || errno == LibC.EINTR ? 0 : -errno;
    } catch (Throwable e) {
      throw new TapException("read failed: " + e, e);
    }
  }

  /** Writes one frame of {@code length} bytes from {@code from} (native or heap memory); true when the kernel took it. */
  boolean write(MemorySegment state, MemorySegment from, long length) {
    try {
      return (long) LibC.WRITE_CRITICAL.invokeExact(state, fd, from, length) == length;
    } catch (Throwable e) {
      throw new TapException("write failed: " + e, e);
    }
  }

  /** Waits up to {@code timeoutMillis} for a frame to read; {@code pollfd} is a preallocated struct pollfd. */
  boolean awaitReadable(MemorySegment state, MemorySegment pollfd, int timeoutMillis) {
    pollfd.set(ValueLayout.JAVA_INT, 0, fd);
    pollfd.set(ValueLayout.JAVA_SHORT, 4, LibC.POLLIN);
    pollfd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
    try {
      return (int) LibC.POLL.invokeExact(state, pollfd, 1L, timeoutMillis) > 0;
    } catch (Throwable e) {
      throw new TapException("poll failed: " + e, e);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      int ignored = (int) LibC.CLOSE.invokeExact(fd);
    } catch (Throwable e) {
      throw new TapException("close failed: " + e, e);
    }
  }
}
