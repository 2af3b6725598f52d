package io.hvx.net.services;

import org.agrona.DirectBuffer;

/** How the network services send frames they originate; implemented by the switch core. */
public interface ServicePorts {
  /** Sends a frame of the router: to the port its destination MAC was learned on, else flooded in the network. */
  void emit(int networkId, DirectBuffer buffer, int offset, int length);

  /** Sends a routed GSO frame whole to the port its destination MAC was learned on (never flooded). */
  void emitOffloaded(int networkId, DirectBuffer buffer, int offset, int length, long offload);

  /** Sends a frame to every tunnel port (other nodes' routers), none of the local ports. */
  void toTunnels(int networkId, DirectBuffer buffer, int offset, int length);
}
