package io.hvx.net.logical;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkDefinitionTest {
  private final NetworkDefinition blue = NetworkDefinition.create("blue", 0, "")
      .withSubnet("10.0.1.0/24", "", "10.0.1.100", "10.0.1.199");

  private static String refusal(Runnable change) {
    return assertThrows(DefinitionException.class, change::run).getMessage();
  }

  @Test
  void shouldFillGatewayAndDomainDefaults() {
    assertEquals("10.0.1.1", blue.subnets().get(0).gateway());
    assertEquals("blue.hvx", blue.domain());
    assertEquals(NetworkDefinition.idFor("blue"), blue.id());
  }

  @Test
  void shouldRefuseOverlappingSubnetsNamingBoth() {
    String message = refusal(() -> blue.withSubnet("10.0.0.0/16", "", "", ""));
    assertTrue(message.contains("10.0.0.0/16 overlaps subnet 10.0.1.0/24"), message);
    assertEquals(2, blue.withSubnet("10.0.2.0/24", "", "", "").subnets().size());
  }

  @Test
  void shouldRefuseBadCidrsWithTheReason() {
    assertTrue(refusal(() -> blue.withSubnet("10.0.2.5/24", "", "", "")).contains("did you mean 10.0.2.0/24"));
    assertTrue(refusal(() -> blue.withSubnet("10.0.256.0/24", "", "", "")).contains("0..255"));
    assertTrue(refusal(() -> blue.withSubnet("10.0.2.0", "", "", "")).contains("ADDRESS/PREFIX"));
    assertTrue(refusal(() -> blue.withSubnet("10.0.2.0/33", "", "", "")).contains("0..32"));
    assertTrue(refusal(() -> blue.withSubnet("10.0.0.0/31", "", "", "")).contains("prefix length must be 8..30"));
  }

  @Test
  void shouldRefuseDhcpRangesOutsideTheSubnetOrOverTheGateway() {
    assertTrue(refusal(() -> blue.withSubnet("10.0.2.0/24", "", "10.0.3.1", "10.0.3.9")).contains("outside subnet"));
    assertTrue(refusal(() -> blue.withSubnet("10.0.2.0/24", "", "10.0.2.1", "10.0.2.9")).contains("gateway"));
    assertTrue(refusal(() -> blue.withSubnet("10.0.2.0/24", "", "10.0.2.9", "10.0.2.5")).contains("reversed"));
  }

  @Test
  void shouldRefuseReservationsOutsideSubnetsAndDuplicates() {
    NetworkDefinition reserved = blue.withReservation("02:00:00:00:00:01", "10.0.1.10", "web");
    assertTrue(refusal(() -> reserved.withReservation("02:00:00:00:00:02", "10.0.1.10", "")).contains("already reserved"));
    assertTrue(refusal(() -> reserved.withReservation("02:00:00:00:00:01", "10.0.1.11", "")).contains("already has"));
    assertTrue(refusal(() -> blue.withReservation("02:00:00:00:00:03", "10.9.9.9", "")).contains("in no subnet"));
    assertTrue(refusal(() -> blue.withReservation("01:00:00:00:00:03", "10.0.1.12", "")).contains("group"));
    assertTrue(refusal(() -> blue.withReservation("zz", "10.0.1.12", "")).contains("bad MAC"));
  }

  @Test
  void shouldRefuseBadNamesAndReplaceRecords() {
    assertTrue(refusal(() -> NetworkDefinition.create("Bad Name", 0, "")).contains("bad network name"));
    assertTrue(refusal(() -> blue.withRecord("no_underscores", "10.0.1.5")).contains("bad host name"));
    NetworkDefinition twice = blue.withRecord("db", "10.0.1.5").withRecord("db", "10.0.1.6");
    assertEquals(1, twice.records().size());
    assertEquals("10.0.1.6", twice.records().get(0).address());
  }

  @Test
  void shouldRemoveASubnetOnlyOnceNoReservationLiesInIt() {
    NetworkDefinition two = blue.withSubnet("10.0.2.0/24", "", "", "")
        .withReservation("02:00:00:00:00:01", "10.0.2.10", "db");
    String held = refusal(() -> two.withoutSubnet("10.0.2.0/24"));
    assertTrue(held.contains("still holds the reservations of 02:00:00:00:00:01 (10.0.2.10)"), held);

    NetworkDefinition one = two.withoutReservation("02:00:00:00:00:01").withoutSubnet("10.0.2.0/24");
    assertEquals(List.of("10.0.1.0/24"), one.subnets().stream().map(SubnetDefinition::cidr).toList());
    assertEquals(List.of(), one.reservations());
    // Removed, its range is free for a new subnet that overlaps it.
    assertEquals(2, one.withSubnet("10.0.2.0/23", "", "", "").subnets().size());
  }

  @Test
  void shouldNameWhatIsMissingWhenARemovalFindsNothing() {
    DefinitionException subnet = assertThrows(DefinitionException.class, () -> blue.withoutSubnet("10.0.9.0/24"));
    assertTrue(subnet.isNotFound());
    assertTrue(subnet.getMessage().contains("no subnet 10.0.9.0/24 (its subnets: 10.0.1.0/24)"), subnet.getMessage());
    DefinitionException reservation = assertThrows(DefinitionException.class,
        () -> blue.withoutReservation("02:00:00:00:00:07"));
    assertTrue(reservation.isNotFound());
    assertTrue(reservation.getMessage().contains("no reservation for 02:00:00:00:00:07 (reserved: none)"),
        reservation.getMessage());
    DefinitionException record = assertThrows(DefinitionException.class, () -> blue.withoutRecord("web"));
    assertTrue(record.isNotFound());
    assertTrue(record.getMessage().contains("no DNS record 'web' (its records: none)"), record.getMessage());
    // Malformed names are refusals of their own, not "not found".
    DefinitionException badCidr = assertThrows(DefinitionException.class, () -> blue.withoutSubnet("10.0.1.5/24"));
    assertTrue(!badCidr.isNotFound() && badCidr.getMessage().contains("did you mean 10.0.1.0/24"),
        badCidr.getMessage());
    assertTrue(refusal(() -> blue.withoutReservation("zz")).contains("bad MAC"));
  }

  @Test
  void shouldRemoveOneReservationOrRecordAndKeepTheOthers() {
    NetworkDefinition full = blue.withReservation("02:ab:00:00:00:01", "10.0.1.10", "a")
        .withReservation("02:00:00:00:00:02", "10.0.1.11", "b")
        .withRecord("web", "10.0.1.20").withRecord("db", "10.0.1.21");
    // Names typed in upper case still find what was stored in lower case.
    NetworkDefinition less = full.withoutReservation("02:AB:00:00:00:01").withoutRecord("WEB");
    assertEquals(List.of("02:00:00:00:00:02"), less.reservations().stream().map(Reservation::mac).toList());
    assertEquals(List.of("db"), less.records().stream().map(DnsRecord::name).toList());
  }
}
