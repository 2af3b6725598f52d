package io.hvx.net.crypto;

import java.security.GeneralSecurityException;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

/**
 * AES-256-GCM over byte arrays the caller preallocates. The 96-bit nonce is the sender's node id
 * followed by the 64-bit sequence number, unique per key because keys are per sender session.
 *
 * <p>Our buffers and the Cipher are reused, but the JDK's AES/GCM allocates about 1.1 KB per init
 * (measured on JDK 25: engine objects and the GCMParameterSpec a new nonce needs), so sealing and
 * opening are the one place of the data path that allocates per frame. ChaCha20-Poly1305 allocates
 * more (about 2.2 KB); a hand-written AEAD over Agrona buffers would be the way to zero.
 */
public final class FrameCipher {
  public static final int TAG_LENGTH = 16;
  private static final int TAG_BITS = TAG_LENGTH * 8;

  private final Cipher cipher;
  private final byte[] nonce = new byte[12];

  public FrameCipher() {
    try {
      cipher = Cipher.getInstance("AES/GCM/NoPadding");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/GCM is part of every JDK; this JDK lacks it", e);
    }
  }

  /**
   * Encrypts {@code plain[0, length)} into {@code out} at {@code outOffset}, authenticating
   * {@code out[0, outOffset)} as associated data; returns the ciphertext length including the tag.
   */
  public int seal(SecretKey key, int sender, long sequence, byte[] plain, int length, byte[] out, int outOffset) {
    try {
      cipher.init(Cipher.ENCRYPT_MODE, key, parameters(sender, sequence));
      cipher.updateAAD(out, 0, outOffset);
      return cipher.doFinal(plain, 0, length, out, outOffset);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES/GCM refused a well-formed encryption", e);
    }
  }

  /**
   * Decrypts {@code in[aadLength, aadLength + sealedLength)} into {@code plain}, authenticating
   * {@code in[0, aadLength)}; returns the plaintext length, or -1 when the tag does not verify.
   */
  public int open(SecretKey key, int sender, long sequence, byte[] in, int aadLength, int sealedLength, byte[] plain) {
    if (sealedLength < TAG_LENGTH) {
      return -1;
    }
    try {
      cipher.init(Cipher.DECRYPT_MODE, key, parameters(sender, sequence));
      cipher.updateAAD(in, 0, aadLength);
      return cipher.doFinal(in, aadLength, sealedLength, plain, 0);
    } catch (AEADBadTagException e) {
      return -1;
    } catch (GeneralSecurityException e) {
      // Any other refusal of a message from the wire is the same outcome: not authentic.
      return -1;
    }
  }

  private GCMParameterSpec parameters(int sender, long sequence) {
    nonce[0] = (byte) (sender >>> 24);
    nonce[1] = (byte) (sender >>> 16);
    nonce[2] = (byte) (sender >>> 8);
    nonce[3] = (byte) sender;
    for (int i = 0; i < 8; i++) {
      nonce[4 + i] = (byte) (sequence >>> (56 - 8 * i));
    }
    return new GCMParameterSpec(TAG_BITS, nonce);
  }
}
