package io.hvx.net.bench;

import io.hvx.net.crypto.FrameCipher;
import java.lang.management.ManagementFactory;
import java.security.GeneralSecurityException;
import java.util.Locale;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.ChaCha20ParameterSpec;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The overlay's seal and open on one thread, per message size, in one run: AES-256-GCM as the tunnel
 * did it before 2026-11-23 18:55 (frame copied into a plaintext array, sealed into a second array,
 * opened into a third), AES-256-GCM in place (sealed and opened within the message buffer), and
 * ChaCha20-Poly1305 in place. Prints ns per seal+open, MB/s and bytes allocated per seal+open.
 *
 * <pre>java -cp target/classes:target/test-classes io.hvx.net.bench.AeadBenchmark [seconds per case]</pre>
 */
public final class AeadBenchmark {
  private static final int HEADER = 24;
  private static final int TAG = 16;

  private interface Variant {
    void sealAndOpen(byte[] frame, int length, long sequence) throws GeneralSecurityException;
  }

  private AeadBenchmark() {}

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2;
    SecretKey aes = new SecretKeySpec(new byte[32], "AES");
    SecretKey chacha = new SecretKeySpec(new byte[32], "ChaCha20");
    for (int size : new int[] {1514, 65536}) {
      byte[] frame = new byte[size];
      for (int i = 0; i < size; i++) {
        frame[i] = (byte) i;
      }
      byte[] plain = new byte[size + 64];
      byte[] sealed = new byte[size + 64];
      byte[] opened = new byte[size + 64];
      byte[] message = new byte[size + 64];
      byte[] nonce = new byte[12];
      Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
      Cipher gcmIn = Cipher.getInstance("AES/GCM/NoPadding");
      Cipher poly = Cipher.getInstance("ChaCha20-Poly1305");
      Variant copies = (f, length, sequence) -> {
        System.arraycopy(f, 0, plain, 0, length);
        nonce(nonce, sequence);
        gcm.init(Cipher.ENCRYPT_MODE, aes, new GCMParameterSpec(128, nonce));
        gcm.updateAAD(sealed, 0, HEADER);
        int n = gcm.doFinal(plain, 0, length, sealed, HEADER);
        gcm.init(Cipher.DECRYPT_MODE, aes, new GCMParameterSpec(128, nonce));
        gcm.updateAAD(sealed, 0, HEADER);
        check(gcm.doFinal(sealed, HEADER, n, opened, 0), length);
      };
      Variant inPlace = (f, length, sequence) -> {
        System.arraycopy(f, 0, message, HEADER, length);
        nonce(nonce, sequence);
        gcmIn.init(Cipher.ENCRYPT_MODE, aes, new GCMParameterSpec(128, nonce));
        gcmIn.updateAAD(message, 0, HEADER);
        int n = gcmIn.doFinal(message, HEADER, length, message, HEADER);
        gcmIn.init(Cipher.DECRYPT_MODE, aes, new GCMParameterSpec(128, nonce));
        gcmIn.updateAAD(message, 0, HEADER);
        check(gcmIn.doFinal(message, HEADER, n, message, HEADER), length);
      };
      // The tunnel's own FrameCipher since 2026-11-24: seal in place, open into a second array (the JDK's
      // GCM decrypts a large message in place through an internal copy).
      FrameCipher frameCipher = new FrameCipher();
      Variant openApart = (f, length, sequence) -> {
        System.arraycopy(f, 0, message, HEADER, length);
        int n = frameCipher.seal(aes, 1, sequence, message, HEADER, length);
        check(frameCipher.open(aes, 1, sequence, message, 0, HEADER, n, opened, 0), length);
      };
      Variant chachaInPlace = (f, length, sequence) -> {
        System.arraycopy(f, 0, message, HEADER, length);
        nonce(nonce, sequence);
        poly.init(Cipher.ENCRYPT_MODE, chacha, new IvParameterSpec(nonce));
        poly.updateAAD(message, 0, HEADER);
        int n = poly.doFinal(message, HEADER, length, message, HEADER);
        poly.init(Cipher.DECRYPT_MODE, chacha, new IvParameterSpec(nonce));
        poly.updateAAD(message, 0, HEADER);
        check(poly.doFinal(message, HEADER, n, message, HEADER), length);
      };
      double base = run("AES-GCM, copies (before)", copies, frame, size, seconds, Double.NaN);
      run("AES-GCM, in place", inPlace, frame, size, seconds, base);
      run("FrameCipher: in place, open apart", openApart, frame, size, seconds, base);
      run("ChaCha20-Poly1305, in place", chachaInPlace, frame, size, seconds, base);
    }
  }

  private static double run(String name, Variant variant, byte[] frame, int size, double seconds, double base)
      throws GeneralSecurityException {
    long sequence = 0;
    for (int i = 0; i < 20_000; i++) {
      variant.sealAndOpen(frame, size, ++sequence);
    }
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().threadId();
    long allocatedBefore = threads.getThreadAllocatedBytes(thread);
    long start = System.nanoTime();
    long deadline = start + (long) (seconds * 1e9);
    long operations = 0;
    while (System.nanoTime() < deadline) {
      for (int i = 0; i < 64; i++) {
        variant.sealAndOpen(frame, size, ++sequence);
      }
      operations += 64;
    }
    double nanos = (System.nanoTime() - start) / (double) operations;
    long allocated = (threads.getThreadAllocatedBytes(thread) - allocatedBefore) / operations;
    System.out.printf(Locale.ROOT, "%6d B  %-30s %9.0f ns/seal+open %8.0f MB/s  %5d B allocated/op%s%n", size, name,
        nanos, size / nanos * 1e3, allocated, Double.isNaN(base) ? "" : String.format(Locale.ROOT,
            "  speed x%.2f of before", base / nanos));
    return nanos;
  }

  private static void nonce(byte[] nonce, long sequence) {
    for (int i = 0; i < 8; i++) {
      nonce[4 + i] = (byte) (sequence >>> (56 - 8 * i));
    }
  }

  private static void check(int opened, int length) {
    if (opened != length) {
      throw new IllegalStateException("opened " + opened + " of " + length);
    }
  }
}
