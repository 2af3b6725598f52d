package io.hvx.net.logical;

import io.hvx.config.serialization.ClusterMessage;

/** A name the network's DNS server answers with an IPv4 address (an A record). */
public record DnsRecord(String name, String address) implements ClusterMessage {}
