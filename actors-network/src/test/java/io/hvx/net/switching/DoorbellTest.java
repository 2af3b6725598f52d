package io.hvx.net.switching;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DoorbellTest {
  private final AtomicInteger rung = new AtomicInteger();
  private final Doorbell doorbell = new Doorbell(rung::incrementAndGet);

  @Test
  void ringing_while_the_switch_works_costs_no_bell() {
    doorbell.ring();
    doorbell.ring();
    assertEquals(0, rung.get());
  }

  @Test
  void an_armed_bell_rings_once_however_many_producers_ring_it() {
    doorbell.arm();
    doorbell.ring();
    doorbell.ring();
    assertEquals(1, rung.get());
    doorbell.arm();
    doorbell.ring();
    assertEquals(2, rung.get(), "armed again for the next wait");
  }

  @Test
  void a_disarmed_bell_stays_silent() {
    doorbell.arm();
    doorbell.disarm();
    doorbell.ring();
    assertEquals(0, rung.get());
  }
}
