package io.hvx.runtime.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/** The node's bearer token: created once with owner-only permissions, then read at every start. */
public final class TokenStore {
  private TokenStore() {}

  /** Returns the token in {@code file}, generating it first when the file does not exist. */
  public static String loadOrCreate(Path file) throws IOException {
    if (Files.exists(file)) {
      String token = Files.readString(file, StandardCharsets.UTF_8).trim();
      if (token.length() < 16) {
        throw new IOException("token file " + file + " holds no usable token (under 16 characters): delete it to"
            + " have a new one generated");
      }
      return token;
    }
    Path dir = file.toAbsolutePath().getParent();
    createPrivateDirectories(dir);
    byte[] random = new byte[32];
    new SecureRandom().nextBytes(random);
    String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    Path temp = Files.createTempFile(dir, ".token-", ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      Files.writeString(temp, token + "\n", StandardCharsets.UTF_8);
      try {
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, file);
      }
    } catch (FileAlreadyExistsException e) {
      // Another node sharing this data directory won the race; use its token.
      return loadOrCreate(file);
    } finally {
      Files.deleteIfExists(temp);
    }
    return token;
  }

  /** Creates {@code dir} and missing parents; a directory hvx creates is readable by its owner only. */
  public static void createPrivateDirectories(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(Set.copyOf(PosixFilePermissions.fromString("rwx------"))));
    }
  }

  /** Compares in time independent of where the strings first differ. */
  public static boolean matches(String expected, String presented) {
    return MessageDigest.isEqual(
        expected.getBytes(StandardCharsets.UTF_8), presented.getBytes(StandardCharsets.UTF_8));
  }
}
