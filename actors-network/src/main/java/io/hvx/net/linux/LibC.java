package io.hvx.net.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/** The few libc calls hvx makes itself (TAP devices, polls, eventfds, batched sends), bound through FFM, each capturing errno. */
public final class LibC {
  public static final int O_RDWR = 0x2;
  public static final int O_NONBLOCK = 0x800;
  public static final int O_CLOEXEC = 0x80000;
  public static final int EAGAIN = 11;
  public static final int EINTR = 4;
  public static final int EIO = 5;
  public static final int EINVAL = 22;
  public static final int EMSGSIZE = 90;
  public static final int ENOBUFS = 105;
  public static final int ECONNREFUSED = 111;
  public static final short POLLIN = 0x1;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option ERRNO_OPTION = Linker.Option.captureCallState("errno");

  // open and ioctl are variadic in C: the third argument must be passed as a variadic one.
  public static final MethodHandle OPEN = bind("open",
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2), ERRNO_OPTION);
  public static final MethodHandle IOCTL = bind("ioctl",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2), ERRNO_OPTION);
  public static final MethodHandle IOCTL_LONG = bind("ioctl",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2), ERRNO_OPTION);
  public static final MethodHandle READ = bind("read",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO_OPTION);
  /**
   * read(2) and write(2) that may also be given heap segments (Java arrays), as critical calls: the JVM
   * neither moves the array nor reaches a safepoint while they run, so they are only for non-blocking
   * descriptors (TAPs), where they save copying frames between arrays and native buffers.
   */
  public static final MethodHandle READ_CRITICAL = bind("read",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO_OPTION, Linker.Option.critical(true));
  public static final MethodHandle WRITE_CRITICAL = bind("write",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO_OPTION, Linker.Option.critical(true));
  public static final MethodHandle POLL = bind("poll",
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), ERRNO_OPTION);
  public static final MethodHandle PPOLL = bind("ppoll",
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS), ERRNO_OPTION);
  /** write(2) for callers on any thread that ignore errno (they have no capture state of their own). */
  public static final MethodHandle WRITE_IGNORING_ERRNO = bind("write",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  public static final MethodHandle EVENTFD = bind("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO_OPTION);
  /** sendmmsg(2) with the message vector as an address: several datagrams on one socket in one call. */
  public static final MethodHandle SENDMMSG = bind("sendmmsg",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT), ERRNO_OPTION);
  /** recvmsg(2) with the message header as an address. */
  public static final MethodHandle RECVMSG = bind("recvmsg",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT), ERRNO_OPTION);
  /** setsockopt(2) with an int option value at an address. */
  public static final MethodHandle SETSOCKOPT = bind("setsockopt",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), ERRNO_OPTION);
  public static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

  /** struct pollfd { int fd; short events; short revents; }. */
  public static final StructLayout POLLFD = MemoryLayout.structLayout(
      JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));

  /** struct timespec { time_t tv_sec; long tv_nsec; } on 64-bit Linux. */
  public static final StructLayout TIMESPEC = MemoryLayout.structLayout(
      JAVA_LONG.withName("tv_sec"), JAVA_LONG.withName("tv_nsec"));

  /** struct iovec { void *iov_base; size_t iov_len; }. */
  public static final StructLayout IOVEC = MemoryLayout.structLayout(
      ADDRESS.withName("iov_base"), JAVA_LONG.withName("iov_len"));

  /**
   * struct mmsghdr { struct msghdr msg_hdr; unsigned msg_len; } on 64-bit Linux, msghdr being { msg_name,
   * msg_namelen, msg_iov, msg_iovlen, msg_control, msg_controllen, msg_flags } with C's padding.
   */
  public static final StructLayout MMSGHDR = MemoryLayout.structLayout(
      ADDRESS.withName("msg_name"), JAVA_INT.withName("msg_namelen"), MemoryLayout.paddingLayout(4),
      ADDRESS.withName("msg_iov"), JAVA_LONG.withName("msg_iovlen"),
      ADDRESS.withName("msg_control"), JAVA_LONG.withName("msg_controllen"),
      JAVA_INT.withName("msg_flags"), MemoryLayout.paddingLayout(4),
      JAVA_INT.withName("msg_len"), MemoryLayout.paddingLayout(4));

  /** Byte offsets of msghdr's fields within an {@link #MMSGHDR}. */
  public static final long MSGHDR_NAME = offset(MMSGHDR, "msg_name");
  public static final long MSGHDR_NAMELEN = offset(MMSGHDR, "msg_namelen");
  public static final long MSGHDR_IOV = offset(MMSGHDR, "msg_iov");
  public static final long MSGHDR_IOVLEN = offset(MMSGHDR, "msg_iovlen");
  public static final long MSGHDR_CONTROL = offset(MMSGHDR, "msg_control");
  public static final long MSGHDR_CONTROLLEN = offset(MMSGHDR, "msg_controllen");
  public static final long MSGHDR_FLAGS = offset(MMSGHDR, "msg_flags");
  /** Byte offsets of iovec's fields. */
  public static final long IOVEC_BASE = offset(IOVEC, "iov_base");
  public static final long IOVEC_LEN = offset(IOVEC, "iov_len");

  /** Socket level of UDP options and control messages, and UDP_SEGMENT: send one buffer as datagrams of a size. */
  public static final int SOL_UDP = 17;
  public static final int UDP_SEGMENT = 103;
  /** UDP_GRO: let the kernel hand out consecutive datagrams of a flow as one buffer, their size in a control message. */
  public static final int UDP_GRO = 104;
  public static final int MSG_DONTWAIT = 0x40;
  public static final int MSG_TRUNC = 0x20;
  public static final short AF_INET = 2;
  public static final short AF_INET6 = 10;

  /** struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; } followed by its data. */
  public static final StructLayout CMSGHDR = MemoryLayout.structLayout(
      JAVA_LONG.withName("cmsg_len"), JAVA_INT.withName("cmsg_level"), JAVA_INT.withName("cmsg_type"));
  /** Byte offsets of cmsghdr's level and type, and of the data after the header. */
  public static final long CMSGHDR_LEVEL = offset(CMSGHDR, "cmsg_level");
  public static final long CMSGHDR_TYPE = offset(CMSGHDR, "cmsg_type");
  public static final long CMSGHDR_DATA = CMSGHDR.byteSize();

  private LibC() {}

  private static long offset(StructLayout layout, String field) {
    return layout.byteOffset(MemoryLayout.PathElement.groupElement(field));
  }

  private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... options) {
    MemorySegment symbol = LINKER.defaultLookup().find(name)
        .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    return LINKER.downcallHandle(symbol, descriptor, options);
  }

  /** A preallocated place for one thread's calls to leave errno. */
  public static MemorySegment captureState(Arena arena) {
    return arena.allocate(CAPTURE);
  }

  public static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }
}
