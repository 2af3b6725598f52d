package io.hvx.net.services;

import io.hvx.net.frame.MacAddress;
import io.hvx.net.logical.Cidr;
import io.hvx.net.logical.DnsRecord;
import io.hvx.net.logical.Ipv4;
import io.hvx.net.logical.NetworkDefinition;
import io.hvx.net.logical.Reservation;
import io.hvx.net.logical.SubnetDefinition;
import java.nio.charset.StandardCharsets;

/**
 * A {@link NetworkDefinition} compiled into primitive arrays for the data plane: built on the control
 * plane, read by the switch thread without allocation.
 */
public final class NetworkTable {
  final int networkId;
  final byte[] domain;
  final int[] subnetBase;
  final int[] subnetMask;
  final int[] gateway;
  final int[] dhcpFirst;
  final int[] dhcpLast;
  final long[] reservedMac;
  final int[] reservedAddress;
  final byte[][] reservedName;
  final byte[][] recordName;
  final int[] recordAddress;

  private NetworkTable(NetworkDefinition definition) {
    networkId = definition.id();
    domain = definition.domain().getBytes(StandardCharsets.US_ASCII);
    int subnets = definition.subnets().size();
    subnetBase = new int[subnets];
    subnetMask = new int[subnets];
    gateway = new int[subnets];
    dhcpFirst = new int[subnets];
    dhcpLast = new int[subnets];
    for (int i = 0; i < subnets; i++) {
      SubnetDefinition subnet = definition.subnets().get(i);
      Cidr cidr = Cidr.parse(subnet.cidr());
      subnetBase[i] = cidr.base();
      subnetMask[i] = cidr.mask();
      gateway[i] = Ipv4.parse(subnet.gateway(), "gateway");
      dhcpFirst[i] = subnet.hasDhcp() ? Ipv4.parse(subnet.dhcpFirst(), "DHCP range") : 0;
      dhcpLast[i] = subnet.hasDhcp() ? Ipv4.parse(subnet.dhcpLast(), "DHCP range") : 0;
    }
    int reservations = definition.reservations().size();
    reservedMac = new long[reservations];
    reservedAddress = new int[reservations];
    reservedName = new byte[reservations][];
    for (int i = 0; i < reservations; i++) {
      Reservation reservation = definition.reservations().get(i);
      reservedMac[i] = MacAddress.parse(reservation.mac());
      reservedAddress[i] = Ipv4.parse(reservation.address(), "reservation");
      reservedName[i] = reservation.hostname().getBytes(StandardCharsets.US_ASCII);
    }
    int records = definition.records().size();
    recordName = new byte[records][];
    recordAddress = new int[records];
    for (int i = 0; i < records; i++) {
      DnsRecord record = definition.records().get(i);
      recordName[i] = record.name().getBytes(StandardCharsets.US_ASCII);
      recordAddress[i] = Ipv4.parse(record.address(), "record");
    }
  }

  /** Compiles a definition that has already been validated. */
  public static NetworkTable of(NetworkDefinition definition) {
    return new NetworkTable(definition);
  }

  public int networkId() {
    return networkId;
  }

  /** Index of the subnet holding {@code address}, or -1. */
  int subnetOf(int address) {
    for (int i = 0; i < subnetBase.length; i++) {
      if ((address & subnetMask[i]) == subnetBase[i]) {
        return i;
      }
    }
    return -1;
  }

  /** Index of the subnet whose gateway is {@code address}, or -1. */
  int gatewayIndex(int address) {
    for (int i = 0; i < gateway.length; i++) {
      if (gateway[i] == address) {
        return i;
      }
    }
    return -1;
  }

  /** The first subnet that has a DHCP range, or -1. */
  int dhcpSubnet() {
    for (int i = 0; i < dhcpFirst.length; i++) {
      if (dhcpFirst[i] != 0) {
        return i;
      }
    }
    return -1;
  }

  int reservationOf(long mac) {
    for (int i = 0; i < reservedMac.length; i++) {
      if (reservedMac[i] == mac) {
        return i;
      }
    }
    return -1;
  }

  boolean isReserved(int address) {
    for (int address2 : reservedAddress) {
      if (address2 == address) {
        return true;
      }
    }
    return false;
  }
}
