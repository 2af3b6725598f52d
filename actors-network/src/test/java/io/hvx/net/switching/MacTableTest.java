package io.hvx.net.switching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MacTableTest {
  @Test
  void a_full_table_refuses_new_macs_until_entries_age_out() {
    MacTable table = new MacTable(4, 100);
    for (int i = 0; i < 4; i++) {
      assertTrue(table.learn(1, 0x0200_0000_0000L + i, i, 0));
    }
    assertFalse(table.learn(1, 0x0200_0000_00FFL, 9, 50));
    assertTrue(table.learn(1, 0x0200_0000_00FFL, 9, 150), "aged entries are reused");
    assertEquals(9, table.lookup(1, 0x0200_0000_00FFL, 150));
    assertEquals(1, table.size(150));
  }

  @Test
  void relearning_an_existing_mac_updates_its_port_without_a_second_entry() {
    MacTable table = new MacTable(16, 100);
    table.learn(1, 0x0200_0000_0001L, 1, 0);
    table.learn(1, 0x0200_0000_0001L, 2, 10);
    assertEquals(2, table.lookup(1, 0x0200_0000_0001L, 20));
    assertEquals(1, table.size(20));
  }
}
