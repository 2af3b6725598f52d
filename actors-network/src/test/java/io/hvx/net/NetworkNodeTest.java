package io.hvx.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A node's network side starts and stops as one, however many threads stop it. */
class NetworkNodeTest {
  @Test
  void every_concurrent_close_returns_only_once_the_aeron_directory_is_gone() throws Exception {
    // A node's shutdown hook and the actor system's termination both close the network; the JVM halts as
    // soon as the hook returns, so a close that returned early (another one being under way) left the
    // directory behind.
    NetworkSettings settings = NetworkSettings.from(ConfigFactory.defaultReference(), "127.0.0.1", null);
    NetworkNode node = NetworkNode.start(settings, "close-race");
    File directory = node.aeronDirectory();
    assertTrue(directory.isDirectory(), directory + " should exist while the node runs");
    int closers = 4;
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(closers);
    try {
      List<Future<Boolean>> existedAfterClose = new ArrayList<>();
      for (int i = 0; i < closers; i++) {
        existedAfterClose.add(pool.submit(() -> {
          go.await();
          node.close();
          return directory.exists();
        }));
      }
      go.countDown();
      List<Boolean> seen = new ArrayList<>();
      for (Future<Boolean> f : existedAfterClose) {
        seen.add(f.get(60, TimeUnit.SECONDS));
      }
      assertEquals(List.of(false, false, false, false), seen, "whether each closer still saw " + directory);
    } finally {
      pool.shutdownNow();
      node.close();
    }
  }
}
