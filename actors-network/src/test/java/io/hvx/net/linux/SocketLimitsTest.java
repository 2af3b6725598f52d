package io.hvx.net.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class SocketLimitsTest {
  @Test
  void the_receive_buffer_limit_is_the_whole_value_cat_prints() throws Exception {
    Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/sys/net/core/rmem_max")),
        "skipping: this system has no /proc/sys/net/core/rmem_max");
    Process cat = new ProcessBuilder("cat", "/proc/sys/net/core/rmem_max").start();
    String printed = new String(cat.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
    assertEquals(0, cat.waitFor());
    assertEquals(Long.parseLong(printed), SocketLimits.receiveBufferMax());
  }
}
