package io.hvx.net.switching;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hvx.net.metrics.Counter;
import io.hvx.net.metrics.Counters;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A switch thread's errors are counted drops, and a flood of them prints a line a second. */
class SwitchErrorsTest {
  @Test
  void every_error_is_counted_and_a_burst_prints_one_line_a_second_saying_how_many_it_left_out() {
    Counters counters = new Counters();
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    long[] now = {5_000_000_000L};
    SwitchErrors errors = new SwitchErrors("hswitch-7", counters, new PrintStream(printed, true,
        StandardCharsets.UTF_8), () -> now[0]);
    for (int i = 0; i <= 1000; i++) {
      errors.onError(new IndexOutOfBoundsException("frame " + i));
      now[0] += 1_000_000;
    }
    // 1001 errors 1 ms apart: the first is printed, and the one a second later with the count between.
    assertEquals(1001, counters.get(Counter.SWITCH_THREAD_ERRORS));
    List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals(2, lines.size(), lines.toString());
    assertEquals("hswitch-7: java.lang.IndexOutOfBoundsException: frame 0", lines.get(0));
    assertEquals("hswitch-7: java.lang.IndexOutOfBoundsException: frame 1000 (999 more errors since the last one"
        + " printed)", lines.get(1));
  }
}
