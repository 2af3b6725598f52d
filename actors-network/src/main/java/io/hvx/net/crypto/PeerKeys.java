package io.hvx.net.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.KDF;
import javax.crypto.SecretKey;
import javax.crypto.spec.HKDFParameterSpec;

/**
 * Derives the AES-256 key for one direction between two nodes with HKDF-SHA256 (RFC 5869) from the
 * cluster's overlay secret. The sender's random session id is the salt, so that a restarted node never
 * reuses a (key, nonce) pair even though its sequence numbers start again at 1.
 */
public final class PeerKeys {
  private static final byte[] LABEL = "hvx overlay v1".getBytes(StandardCharsets.US_ASCII);

  private final byte[] clusterSecret;

  public PeerKeys(byte[] clusterSecret) {
    if (clusterSecret.length < 32) {
      throw new IllegalArgumentException("overlay secret must be at least 32 bytes, got " + clusterSecret.length);
    }
    this.clusterSecret = clusterSecret.clone();
  }

  /** The key that node {@code sender}, in session {@code session}, seals frames with for {@code receiver}. */
  public SecretKey directionKey(int sender, int receiver, long session) {
    byte[] salt = ByteBuffer.allocate(8).putLong(session).array();
    byte[] info = ByteBuffer.allocate(LABEL.length + 8).put(LABEL).putInt(sender).putInt(receiver).array();
    try {
      KDF hkdf = KDF.getInstance("HKDF-SHA256");
      return hkdf.deriveKey("AES", HKDFParameterSpec.ofExtract().addIKM(clusterSecret).addSalt(salt)
          .thenExpand(info, 32));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HKDF-SHA256 is part of every JDK 25; this JDK lacks it", e);
    }
  }
}
