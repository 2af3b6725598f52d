package io.hvx.net.tunnel;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import java.io.File;
import java.util.UUID;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

/**
 * An embedded Aeron media driver and client for one node, configured to be frugal: one shared driver
 * thread that backs off to sleeping instead of busy-spinning, sparse term files, its own directory.
 */
public final class EmbeddedAeron implements AutoCloseable {
  private final MediaDriver driver;
  private final Aeron aeron;

  private EmbeddedAeron(MediaDriver driver, Aeron aeron) {
    this.driver = driver;
    this.aeron = aeron;
  }

  public static EmbeddedAeron launch() {
    return launch(new BackoffIdleStrategy(10, 20, 1_000, 100_000));
  }

  /** Launches with {@code driverIdle} for the shared driver thread (a spinning one for benchmarks). */
  public static EmbeddedAeron launch(org.agrona.concurrent.IdleStrategy driverIdle) {
    String directory = new File(System.getProperty("java.io.tmpdir"), "hvx-aeron-" + UUID.randomUUID()).getPath();
    MediaDriver.Context context = new MediaDriver.Context()
        .aeronDirectoryName(directory)
        .threadingMode(ThreadingMode.SHARED)
        .sharedIdleStrategy(driverIdle)
        .termBufferSparseFile(true)
        .dirDeleteOnStart(true)
        .dirDeleteOnShutdown(true);
    MediaDriver driver = MediaDriver.launchEmbedded(context);
    try {
      Aeron aeron = Aeron.connect(new Aeron.Context()
          .aeronDirectoryName(driver.aeronDirectoryName())
          .idleStrategy(new SleepingMillisIdleStrategy(1)));
      return new EmbeddedAeron(driver, aeron);
    } catch (RuntimeException e) {
      driver.close();
      throw e;
    }
  }

  public Aeron aeron() {
    return aeron;
  }

  @Override
  public void close() {
    aeron.close();
    driver.close();
  }
}
