package io.hvx.net.switching;

/** What a vPort leads to, which decides flooding: frames from a tunnel never go back into a tunnel. */
public enum PortKind {
  /** A VM NIC or TAP device on this node, member of exactly one logical network. */
  LOCAL,
  /** The encrypted tunnel to one remote node, carrying every network the two nodes share. */
  TUNNEL
}
