package io.hvx.net.tunnel;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.hvx.net.metrics.Counters;
import io.hvx.net.switching.IngressSource;
import io.hvx.net.switching.WaitingBackoffIdleStrategy;
import io.hvx.net.switching.WakeDescriptors;
import java.io.File;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentInvoker;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

/**
 * An embedded Aeron media driver and client for one node, configured to be frugal: sparse term files,
 * its own directory, and either no driver thread at all ({@link #launchInvoked}, what nodes use): the
 * switch's data-plane thread runs the driver's duty cycle through {@link #duty()}, so that a sealed frame
 * is sent and a received one polled without a hand-off to another thread, and waits on the driver's
 * {@link #sockets()}; or one shared driver thread that backs off to sleeping ({@link #launch}), which
 * several switches can share (tests run many in one JVM).
 */
public final class EmbeddedAeron implements AutoCloseable {
  private static final long ASYNC_EXECUTOR_SLEEP_MS = 20;
  private static final long THREADED_DRIVER_DEEP_WAIT_NANOS = 1_000_000;

  /**
   * Most driver runs per duty cycle while the driver works: Aeron sends one datagram per publication per
   * run, and a run's datagrams leave together ({@link DatagramBatch}).
   */
  static final int RUNS_PER_DUTY = 16;
  /** Where the driver's directory goes; those of crashed nodes are removed there when one launches. */
  private static final File TEMP = new File(System.getProperty("java.io.tmpdir"));

  private final MediaDriver driver;
  private final Aeron aeron;
  private final IngressSource duty;
  private final WakeDescriptors sockets;
  private final DatagramBatch batch;
  private final ReentrantLock lock;
  private final List<File> staleDirectoriesRemoved;

  private EmbeddedAeron(MediaDriver driver, Aeron aeron, IngressSource duty, WakeDescriptors sockets,
      DatagramBatch batch, ReentrantLock lock, List<File> staleDirectoriesRemoved) {
    this.driver = driver;
    this.aeron = aeron;
    this.duty = duty;
    this.sockets = sockets;
    this.batch = batch;
    this.lock = lock;
    this.staleDirectoriesRemoved = staleDirectoriesRemoved;
  }

  /** Launches with a driver thread that backs off to 1 ms parks (nothing ends a park early: keep them short). */
  public static EmbeddedAeron launch() {
    return launch(new WaitingBackoffIdleStrategy(10, 20, 0, 1_000, 100_000, WaitingBackoffIdleStrategy.DEEP_AFTER_NANOS,
        THREADED_DRIVER_DEEP_WAIT_NANOS));
  }

  /** Launches with {@code driverIdle} for the shared driver thread (a spinning one for benchmarks). */
  public static EmbeddedAeron launch(org.agrona.concurrent.IdleStrategy driverIdle) {
    List<File> stale = AeronDirectories.removeStale(TEMP);
    MediaDriver driver = MediaDriver.launchEmbedded(driverContext()
        .threadingMode(ThreadingMode.SHARED)
        .sharedIdleStrategy(driverIdle));
    try {
      Aeron aeron = Aeron.connect(new Aeron.Context()
          .aeronDirectoryName(driver.aeronDirectoryName())
          .idleStrategy(new SleepingMillisIdleStrategy(1)));
      return new EmbeddedAeron(driver, aeron, null, null, null, null, stale);
    } catch (RuntimeException e) {
      driver.close();
      throw e;
    }
  }

  /**
   * Launches a driver without threads of its own: whoever polls {@link #duty()} (one switch thread)
   * runs it, and control calls (adding publications) run it themselves while they wait for an answer.
   * A lock keeps the two from running it at once; the data-plane thread only ever tries it. The driver's
   * sockets are listed in {@link #sockets()}, so that the switch thread can wait on them when idle. The
   * datagrams of each locked stretch of runs leave together ({@link DatagramBatch}).
   */
  public static EmbeddedAeron launchInvoked() {
    List<File> stale = AeronDirectories.removeStale(TEMP);
    WakeDescriptors sockets = new WakeDescriptors();
    DatagramBatch batch = new DatagramBatch();
    MediaDriver driver;
    try {
      driver = MediaDriver.launchEmbedded(
          WatchedEndpoints.install(driverContext().threadingMode(ThreadingMode.INVOKER), sockets, batch));
    } catch (RuntimeException e) {
      batch.close();
      throw e;
    }
    try {
      AgentInvoker driverInvoker = driver.sharedAgentInvoker();
      ReentrantLock lock = new ReentrantLock();
      AgentInvoker locked = new AgentInvoker(Throwable::printStackTrace, null, new Agent() {
        @Override
        public int doWork() {
          lock.lock();
          try {
            batch.begin();
            return driverInvoker.invoke();
          } finally {
            batch.end();
            lock.unlock();
          }
        }

        @Override
        public String roleName() {
          return "hvx-driver-awaited";
        }
      });
      locked.start();
      Aeron aeron = Aeron.connect(new Aeron.Context()
          .aeronDirectoryName(driver.aeronDirectoryName())
          .useConductorAgentInvoker(true)
          .driverAgentInvoker(locked));
      AgentInvoker client = aeron.conductorAgentInvoker();
      IngressSource duty = (target, now) -> {
        int work = 0;
        // tryLock neither blocks nor allocates; a control call holding the lock runs the driver meanwhile.
        if (lock.tryLock()) {
          try {
            batch.begin();
            work = runs(driverInvoker);
          } finally {
            batch.end();
            // Datagrams the kernel held back count as work: the next cycle comes at once and sends them.
            work += batch.holdsBack() ? 2 : 0;
            lock.unlock();
          }
        }
        int clientWork = client.invoke();
        // The driver's conductor counts its timer check (every millisecond) as one unit of work; passed on,
        // it would restart the switch thread's backoff every millisecond, so that it never waits long.
        return (work > 1 ? work : 0) + (clientWork > 1 ? clientWork : 0);
      };
      return new EmbeddedAeron(driver, aeron, duty, sockets, batch, lock, stale);
    } catch (RuntimeException e) {
      driver.close();
      batch.close();
      throw e;
    }
  }

  /** Runs the driver until a run finds nothing to do, {@link #RUNS_PER_DUTY} times at most. */
  private static int runs(AgentInvoker driverInvoker) {
    int work = 0;
    for (int run = 0; run < RUNS_PER_DUTY; run++) {
      int runWork = driverInvoker.invoke();
      work += runWork;
      // 1 is the conductor's timer check alone.
      if (runWork <= 1) {
        break;
      }
    }
    return work;
  }

  private static MediaDriver.Context driverContext() {
    String directory = AeronDirectories.newDirectory(TEMP).getPath();
    return new MediaDriver.Context()
        // Its thread only resolves names when channels are added; Aeron's 1 ms sleep cost an idle node
        // about 1.3 % of a core on these hosts.
        .asyncExecutorIdleStrategy(new SleepingMillisIdleStrategy(ASYNC_EXECUTOR_SLEEP_MS))
        .aeronDirectoryName(directory)
        .termBufferSparseFile(true)
        .dirDeleteOnStart(true)
        .dirDeleteOnShutdown(true);
  }

  /** The Aeron directories of processes that were gone, removed when this one launched. */
  public List<File> staleDirectoriesRemoved() {
    return staleDirectoriesRemoved;
  }

  public Aeron aeron() {
    return aeron;
  }

  /**
   * The driver's and client's duty cycle for the one switch thread that runs them, or null when the
   * driver has its own thread.
   */
  public IngressSource duty() {
    return duty;
  }

  /** The UDP sockets of a driver run by the switch thread, to wait on when idle; null when the driver has its own thread. */
  public WakeDescriptors sockets() {
    return sockets;
  }

  /** Counts the batched sends of a driver run by the switch thread in {@code counters} (its switch's). */
  public void countIn(Counters counters) {
    if (batch != null) {
      lock.lock();
      try {
        batch.countIn(counters);
      } finally {
        lock.unlock();
      }
    }
  }

  @Override
  public void close() {
    if (lock == null) {
      aeron.close();
      driver.close();
      return;
    }
    // Endpoints closing hand their kept datagrams to the batch: under the lock like every other use.
    lock.lock();
    try {
      aeron.close();
      driver.close();
    } finally {
      lock.unlock();
      batch.close();
    }
  }
}
