package io.hvx.net.logical;

import io.hvx.config.serialization.ClusterMessage;

/** A fixed DHCP address (and DNS name) for one MAC. */
public record Reservation(String mac, String address, String hostname) implements ClusterMessage {}
