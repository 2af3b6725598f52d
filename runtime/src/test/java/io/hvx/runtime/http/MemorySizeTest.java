package io.hvx.runtime.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.hvx.runtime.vm.VmSpecException;
import org.junit.jupiter.api.Test;

class MemorySizeTest {
  @Test
  void sizesAreReadInMibOrGib() {
    assertEquals(256L << 20, MemorySize.parse("256"));
    assertEquals(256L << 20, MemorySize.parse("256M"));
    assertEquals(512L << 20, MemorySize.parse("512MiB"));
    assertEquals(1L << 30, MemorySize.parse("1g"));
    assertEquals(2L << 30, MemorySize.parse(" 2GiB "));
  }

  @Test
  void nonsenseAndNonPositiveSizesAreRefused() {
    for (String bad : new String[] {"", "lots", "-1M", "0", "1.5G", "12T"}) {
      assertThrows(VmSpecException.class, () -> MemorySize.parse(bad), bad);
    }
  }
}
