package io.hvx.net.tap;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/** The few libc calls the TAP device needs, bound through FFM, each capturing errno. */
final class LibC {
  static final int O_RDWR = 0x2;
  static final int O_NONBLOCK = 0x800;
  static final int O_CLOEXEC = 0x80000;
  static final int EAGAIN = 11;
  static final int EINTR = 4;
  static final short POLLIN = 0x1;

  private static final Linker LINKER = Linker.nativeLinker();
  private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
  private static final VarHandle ERRNO =
      CAPTURE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
  private static final Linker.Option ERRNO_OPTION = Linker.Option.captureCallState("errno");

  // open and ioctl are variadic in C: the third argument must be passed as a variadic one.
  static final MethodHandle OPEN = bind("open",
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2), ERRNO_OPTION);
  static final MethodHandle IOCTL = bind("ioctl",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2), ERRNO_OPTION);
  static final MethodHandle IOCTL_LONG = bind("ioctl",
      FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2), ERRNO_OPTION);
  static final MethodHandle READ = bind("read",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO_OPTION);
  static final MethodHandle WRITE = bind("write",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO_OPTION);
  static final MethodHandle POLL = bind("poll",
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), ERRNO_OPTION);
  static final MethodHandle PPOLL = bind("ppoll",
      FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, ADDRESS, ADDRESS), ERRNO_OPTION);
  /** write(2) for callers on any thread that ignore errno (they have no capture state of their own). */
  static final MethodHandle WRITE_IGNORING_ERRNO = bind("write",
      FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG));
  static final MethodHandle EVENTFD = bind("eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO_OPTION);
  static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

  /** struct pollfd { int fd; short events; short revents; }. */
  static final StructLayout POLLFD = java.lang.foreign.MemoryLayout.structLayout(
      JAVA_INT.withName("fd"), JAVA_SHORT.withName("events"), JAVA_SHORT.withName("revents"));

  /** struct timespec { time_t tv_sec; long tv_nsec; } on 64-bit Linux. */
  static final StructLayout TIMESPEC = java.lang.foreign.MemoryLayout.structLayout(
      JAVA_LONG.withName("tv_sec"), JAVA_LONG.withName("tv_nsec"));

  private LibC() {}

  private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... options) {
    MemorySegment symbol = LINKER.defaultLookup().find(name)
        .orElseThrow(() -> new UnsatisfiedLinkError("libc has no " + name));
    return LINKER.downcallHandle(symbol, descriptor, options);
  }

  /** A preallocated place for one thread's calls to leave errno. */
  static MemorySegment captureState(Arena arena) {
    return arena.allocate(CAPTURE);
  }

  static int errno(MemorySegment state) {
    return (int) ERRNO.get(state, 0L);
  }
}
