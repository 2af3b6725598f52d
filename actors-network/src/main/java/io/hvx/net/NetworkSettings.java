package io.hvx.net;

import com.typesafe.config.Config;
import io.hvx.config.SettingsException;
import io.hvx.config.SettingsReader;
import io.hvx.net.tunnel.OverlaySettings;
import io.hvx.net.tunnel.PathMtu;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;

/** The settings of a node's hSwitch ({@code hvx.network}), validated. */
public record NetworkSettings(boolean enabled, String overlayHost, int overlayPort, byte[] secret,
    boolean developmentSecret, Duration macAge, long floodRate, Idle idle, Duration quietAfter, Duration leaseTime,
    int overlayMtu, int overlayWindow) {
  /** How the data-plane threads wait for work. */
  public enum Idle {
    FRUGAL,
    YIELD
  }

  private static final int MIN_SECRET = 32;
  private static final Duration MAX_QUIET_AFTER = Duration.ofMinutes(1);
  /** Used only when nothing else is configured; every node logs that the overlay is not private. */
  private static final byte[] DEVELOPMENT_SECRET =
      "hvx development overlay secret: not private!".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /**
   * Reads {@code hvx.network}; {@code clusterHost} is the default overlay address, {@code tlsKeyStore}
   * (null when TLS is off) the default source of the secret.
   */
  public static NetworkSettings from(Config config, String clusterHost, Path tlsKeyStore) {
    SettingsReader network = SettingsReader.of(config, "hvx.network");
    String host = network.optionalString("overlay-host");
    String secretText = network.optionalString("secret");
    String secretFile = network.optionalString("secret-file");
    byte[] secret;
    boolean development = false;
    if (!secretText.isEmpty()) {
      try {
        secret = Base64.getDecoder().decode(secretText);
      } catch (IllegalArgumentException e) {
        throw new SettingsException(network.key("secret"), "base64 of at least " + MIN_SECRET + " bytes", "(not base64)");
      }
    } else if (!secretFile.isEmpty()) {
      Path file = network.path("secret-file");
      try {
        secret = Files.readAllBytes(file);
      } catch (IOException e) {
        throw new SettingsException(network.key("secret-file"), "a readable file", file);
      }
    } else if (tlsKeyStore != null) {
      try {
        secret = Files.readAllBytes(tlsKeyStore);
      } catch (IOException e) {
        throw new SettingsException("hvx.cluster.tls.key-store", "a readable file", tlsKeyStore);
      }
    } else {
      secret = DEVELOPMENT_SECRET;
      development = true;
    }
    if (secret.length < MIN_SECRET) {
      throw new SettingsException(network.key(secretText.isEmpty() ? "secret-file" : "secret"),
          "at least " + MIN_SECRET + " bytes of secret", secret.length + " bytes");
    }
    long floodRate = network.intInRange("flood-rate", 1, 10_000_000);
    int overlayMtu = overlayMtu(network);
    return new NetworkSettings(network.bool("enabled"), host.isEmpty() ? clusterHost : host,
        network.port("overlay-port"), secret, development, network.positiveDuration("mac-age"), floodRate,
        network.enumValue("idle", Idle.class), quietAfter(network), network.positiveDuration("lease-time"),
        overlayMtu, overlayWindow(network));
  }

  /**
   * What to tell the operator when the kernel caps the overlay socket's receive buffer ({@code
   * receiveBufferMax}, net.core.rmem_max; negative when unknown) below the receiver window, or null when it
   * does not: the window still holds, but datagrams the socket cannot queue are dropped and re-requested.
   */
  public String overlayWindowWarning(long receiveBufferMax) {
    if (receiveBufferMax < 0 || overlayWindow <= receiveBufferMax) {
      return null;
    }
    return "hvx.network.overlay-window is " + overlayWindow + " bytes but the kernel caps socket receive buffers"
        + " at " + receiveBufferMax + " (net.core.rmem_max): overlay datagrams beyond it are dropped and sent"
        + " again, which costs throughput. Raise it: sysctl -w net.core.rmem_max=" + overlayWindow;
  }

  private static Duration quietAfter(SettingsReader network) {
    Duration quietAfter = network.positiveDuration("quiet-after");
    if (quietAfter.compareTo(MAX_QUIET_AFTER) > 0) {
      throw new SettingsException(network.key("quiet-after"), "a duration up to 1m", network.string("quiet-after"));
    }
    return quietAfter;
  }

  private static int overlayWindow(SettingsReader network) {
    long window = network.bytes("overlay-window");
    if (!OverlaySettings.isReceiverWindow(window)) {
      throw new SettingsException(network.key("overlay-window"), "a size from 128KiB to 64MiB",
          network.string("overlay-window"));
    }
    return (int) window;
  }

  private static int overlayMtu(SettingsReader network) {
    String text = network.string("overlay-mtu").trim();
    if (text.equals("auto")) {
      return OverlaySettings.AUTO_MTU;
    }
    String expected = "auto, or a multiple of 32 from " + OverlaySettings.MIN_MTU + " to " + PathMtu.MAX_MTU;
    try {
      int mtu = Integer.parseInt(text);
      if (!OverlaySettings.isFixedMtu(mtu)) {
        throw new SettingsException(network.key("overlay-mtu"), expected, text);
      }
      return mtu;
    } catch (NumberFormatException e) {
      throw new SettingsException(network.key("overlay-mtu"), expected, text);
    }
  }
}
