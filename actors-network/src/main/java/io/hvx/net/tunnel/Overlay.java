package io.hvx.net.tunnel;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.aeron.FragmentAssembler;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.hvx.net.crypto.FrameCipher;
import io.hvx.net.crypto.PeerKeys;
import io.hvx.net.crypto.ReplayWindow;
import io.hvx.net.frame.EthernetFrame;
import io.hvx.net.frame.GreHeader;
import io.hvx.net.metrics.Counter;
import io.hvx.net.metrics.Counters;
import io.hvx.net.switching.EgressBackpressure;
import io.hvx.net.switching.HeadroomBuffer;
import io.hvx.net.switching.IngressSource;
import io.hvx.net.switching.L2Switch;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import javax.crypto.SecretKey;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * One node's end of the encrypted overlay: a single Aeron UDP subscription that every peer sends to,
 * and one publication per peer. Incoming messages are checked (shape, known sender, replay window,
 * AEAD tag, GRE header) and handed to the switch as frames of the tunnel port of their sender; every
 * rejected message is a counted drop.
 */
public final class Overlay implements IngressSource, AutoCloseable {
  private static final int BATCH = 64;
  private static final int MIN_MESSAGE = OverlayHeader.LENGTH + GreHeader.LENGTH + OverlayHeader.OFFLOAD_LENGTH
      + EthernetFrame.HEADER_LENGTH + FrameCipher.TAG_LENGTH;
  private static final int FRAME_OFFSET = GreHeader.LENGTH + OverlayHeader.OFFLOAD_LENGTH;

  private final int selfId;
  private final long session;
  private final PeerKeys keys;
  private final Aeron aeron;
  private final OverlaySettings settings;
  private final Counters counters;
  private final Subscription subscription;
  private final Int2ObjectHashMap<PeerReceiver> peers = new Int2ObjectHashMap<>();
  private final FrameCipher cipher = new FrameCipher();
  private final byte[] in = new byte[OverlaySettings.MAX_MESSAGE];
  /** The message being checked: {@link #in}, or the reassembly buffer it already lies in. */
  private final UnsafeBuffer inBuffer = new UnsafeBuffer(in);
  private final OverlayHeader inHeader = new OverlayHeader().wrap(inBuffer);
  /** The opened message: GRE header, offload and frame (decrypted out of {@link #in}: faster than in place). */
  // A TAP port writes the frame out from here, its virtio-net header over the GRE header in front.
  private final HeadroomBuffer plainBuffer = new HeadroomBuffer(OverlaySettings.MAX_MESSAGE);
  private final byte[] plain = plainBuffer.byteArray();
  private final GreHeader gre = new GreHeader();
  // Reassembles GSO messages that Aeron fragmented; its buffer is allocated once and grows at most to
  // the largest message.
  private final FragmentHandler handler = new FragmentAssembler(this::onMessage, OverlaySettings.MAX_MESSAGE);
  private L2Switch target;
  private long now;
  private DriverDuty driverDuty;
  private EgressBackpressure backpressure;

  public Overlay(int selfId, PeerKeys keys, Aeron aeron, String listenEndpoint, OverlaySettings settings,
      Counters counters) {
    this.selfId = selfId;
    this.session = new SecureRandom().nextLong();
    this.keys = keys;
    this.aeron = aeron;
    this.settings = settings;
    this.counters = counters;
    this.subscription = aeron.addSubscription(settings.channel(listenEndpoint), settings.streamId());
  }

  public int selfId() {
    return selfId;
  }

  /**
   * The duty of a driver that runs on the switch thread ({@link EmbeddedAeron#duty()}): senders run it
   * while their publication is back-pressured, since no other thread drains it. Set before connecting.
   */
  public void driverDuty(DriverDuty duty) {
    this.driverDuty = duty;
  }

  /**
   * Where the tunnels to peers register a message they hold while the peer has no room; without it (raw
   * overlays in tests) such a message is dropped. Set before connecting.
   */
  public void backpressure(EgressBackpressure newBackpressure) {
    this.backpressure = newBackpressure;
  }

  /** Opens the publication to {@code peerId} at {@code endpoint} (control thread; may block briefly). */
  public TunnelSink connect(int peerId, String endpoint) {
    ExclusivePublication publication = aeron.addExclusivePublication(settings.channel(endpoint), settings.streamId());
    return new TunnelSink(selfId, peerId, session, keys.directionKey(selfId, peerId, session), publication, counters, driverDuty,
        backpressure);
  }

  /** Accepts frames from {@code peerId} as arriving on switch port {@code portId}; data-plane thread only. */
  public void registerPeer(int peerId, int portId) {
    peers.put(peerId, new PeerReceiver(portId));
  }

  /** Drops everything {@code peerId} sends from now on; data-plane thread only. */
  public void unregisterPeer(int peerId) {
    peers.remove(peerId);
  }

  @Override
  public int poll(L2Switch target, long now) {
    this.target = target;
    this.now = now;
    int fragments = subscription.poll(handler, BATCH);
    if (fragments > 0 && driverDuty != null) {
      // What this thread consumed frees window: the driver tells the peer in a status message.
      driverDuty.nudge();
    }
    return fragments;
  }

  private void onMessage(DirectBuffer buffer, int offset, int length, Header aeronHeader) {
    if (length < MIN_MESSAGE || length > OverlaySettings.MAX_MESSAGE
        || OverlayHeader.version(buffer, offset) != OverlayHeader.VERSION) {
      counters.increment(Counter.OVERLAY_MALFORMED_FRAMES);
      return;
    }
    byte[] message;
    int base;
    byte[] heap = buffer.byteArray();
    if (heap != null) {
      // Reassembled from fragments into a heap buffer: open it where it lies, without a copy.
      message = heap;
      base = buffer.wrapAdjustment() + offset;
    } else {
      // One datagram, in Aeron's memory-mapped term: the JDK's GCM is fastest on a byte array.
      buffer.getBytes(offset, in, 0, length);
      message = in;
      base = 0;
    }
    inBuffer.wrap(message, base, length);
    int sender = inHeader.sender();
    PeerReceiver peer = peers.get(sender);
    if (peer == null) {
      counters.increment(Counter.OVERLAY_UNKNOWN_PEER_FRAMES);
      return;
    }
    long messageSession = inHeader.session();
    long sequence = inHeader.sequence();
    boolean newSession = messageSession != peer.session || peer.key == null;
    SecretKey key;
    if (!newSession) {
      if (!peer.window.isFresh(sequence)) {
        counters.increment(Counter.OVERLAY_REPLAYED_FRAMES);
        return;
      }
      key = peer.key;
    } else if (peer.isRetired(messageSession)) {
      counters.increment(Counter.OVERLAY_RETIRED_SESSION_FRAMES);
      return;
    } else {
      // A peer's first message, or its first after a restart: derive that session's key (rare, allocates).
      key = keys.directionKey(sender, selfId, messageSession);
    }
    int plainLength = cipher.open(key, sender, sequence, message, base, OverlayHeader.LENGTH,
        length - OverlayHeader.LENGTH, plain, 0);
    if (plainLength < 0) {
      counters.increment(Counter.OVERLAY_AUTH_FAILED_FRAMES);
      return;
    }
    if (newSession) {
      peer.adopt(messageSession, key);
      counters.increment(Counter.OVERLAY_SESSION_CHANGES);
      if (!peer.window.isFresh(sequence)) {
        counters.increment(Counter.OVERLAY_REPLAYED_FRAMES);
        return;
      }
    }
    peer.window.accept(sequence);
    gre.wrap(plainBuffer, 0);
    if (plainLength < FRAME_OFFSET + EthernetFrame.HEADER_LENGTH || !gre.isKeyedEthernet()) {
      counters.increment(Counter.OVERLAY_MALFORMED_FRAMES);
      return;
    }
    counters.increment(Counter.OVERLAY_RX_FRAMES);
    long offload = plainBuffer.getLong(GreHeader.LENGTH, ByteOrder.BIG_ENDIAN);
    target.onFrame(peer.portId, gre.key(), plainBuffer, FRAME_OFFSET, plainLength - FRAME_OFFSET, now, offload);
  }

  @Override
  public void close() {
    subscription.close();
  }

  /** What this node remembers about one sender: its current session, key and replay window. */
  private static final class PeerReceiver {
    private static final int RETIRED = 8;
    final int portId;
    final ReplayWindow window = new ReplayWindow();
    final long[] retired = new long[RETIRED];
    int retiredCount;
    long session;
    SecretKey key;

    PeerReceiver(int portId) {
      this.portId = portId;
    }

    boolean isRetired(long candidate) {
      for (int i = 0; i < Math.min(retiredCount, RETIRED); i++) {
        if (retired[i] == candidate) {
          return true;
        }
      }
      return false;
    }

    void adopt(long newSession, SecretKey newKey) {
      if (key != null) {
        retired[retiredCount++ % RETIRED] = session;
      }
      session = newSession;
      key = newKey;
      window.reset();
    }
  }
}
